#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace printrelay::man {

/// One man page: its file name and the sections made from the program's own tables (commands,
/// options, environment variables, configuration keys), keyed by their template marker
/// ("@COMMANDS@"). The hand-written prose lives in the page's template, FILE.in.
struct ManPage {
  std::string file; ///< "printrelay.1"
  std::map<std::string, std::string> fills;
};

/// The pages of printrelay, printrelay-cloud, printrelay-agent and printrelayctl, built from the
/// tables the programs parse their command lines and configuration with.
std::vector<ManPage> manPages();

/// `text` for roff: backslashes and dashes escaped, a line starting with '.' or '\'' guarded.
std::string roffText(std::string_view text);

/// A usage line in roff: option names and literal words bold, upper-case placeholders italic.
std::string roffSynopsis(std::string_view usage);

/// `templateText` with every marker line ("@COMMANDS@" on a line of its own) replaced by the
/// page's section and @VERSION@ by the version. Throws std::runtime_error for a marker the page
/// does not fill, or one of the page's sections the template does not place.
std::string fillTemplate(std::string_view templateText, const ManPage& page);

} // namespace printrelay::man
