// printrelay-man-pages TEMPLATE_DIR OUT_DIR: writes each program's man page into OUT_DIR from
// its template (TEMPLATE_DIR/PAGE.in) and the program's own tables. Run by the build.
#include "packaging/man/man_pages.h"

#include <fstream>
#include <iostream>
#include <sstream>

int main(int argc, char** argv) {
  if (argc != 3) {
    std::cerr << "usage: printrelay-man-pages TEMPLATE_DIR OUT_DIR\n";
    return 2;
  }
  try {
    for (const auto& page : printrelay::man::manPages()) {
      std::ifstream in(std::string(argv[1]) + "/" + page.file + ".in");
      if (!in) {
        std::cerr << "printrelay-man-pages: cannot read " << argv[1] << "/" << page.file << ".in\n";
        return 1;
      }
      std::ostringstream text;
      text << in.rdbuf();
      std::ofstream out(std::string(argv[2]) + "/" + page.file, std::ios::trunc);
      out << printrelay::man::fillTemplate(text.str(), page);
      if (!out) {
        std::cerr << "printrelay-man-pages: cannot write " << argv[2] << "/" << page.file << "\n";
        return 1;
      }
    }
  } catch (const std::exception& e) {
    std::cerr << "printrelay-man-pages: " << e.what() << "\n";
    return 1;
  }
  return 0;
}
