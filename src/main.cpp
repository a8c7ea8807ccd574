#include "app/run.hpp"

int main(int argc, char** argv) {
  return smtpsend::app::run(argc, argv);
}
