#include "packaging/man/man_pages.h"

#include "agent/ctl/ctl_cli.h"
#include "agent/daemon/agent_config.h"
#include "agent/daemon/cli.h"
#include "cloud/cli/cli_args.h"
#include "cloud/cli/commands.h"
#include "cloud/config/cloud_config.h"
#include "common/util/config.h"
#include "common/util/version.h"

#include <cctype>
#include <cstdint>
#include <cstdio>
#include <stdexcept>

namespace printrelay::man {
namespace {

/// `text`'s lines ('\n'-separated) joined by spaces, for a filled paragraph.
std::string oneParagraph(std::string_view text) {
  std::string out(text);
  for (char& c : out) {
    if (c == '\n') {
      c = ' ';
    }
  }
  return out;
}

/// A .TP entry: `term` (already roff) and `help` (plain text).
std::string entry(const std::string& term, std::string_view help) {
  std::string out = ".TP\n" + term + "\n";
  if (!help.empty()) {
    out += roffText(oneParagraph(help)) + "\n";
  }
  return out;
}

std::string optionTerm(std::string_view name, std::string_view value) {
  std::string term = "\\fB\\%" + roffText(name) + "\\fR";
  if (!value.empty()) {
    term += " \\fI" + roffText(value) + "\\fR";
  }
  return term;
}

std::string options(const std::vector<OptionHelp>& table) {
  std::string out;
  for (const auto& option : table) {
    out += entry(optionTerm(option.name, option.value), option.help);
  }
  return out;
}

std::string environment(const std::vector<EnvironmentHelp>& table) {
  std::string out;
  for (const auto& variable : table) {
    out += entry(".B \\%" + roffText(variable.name), variable.help);
  }
  return out;
}

std::string typeName(ConfigType type) {
  switch (type) {
  case ConfigType::String:
    return "string";
  case ConfigType::Integer:
    return "integer";
  case ConfigType::Boolean:
    return "boolean";
  case ConfigType::Path:
    return "path";
  case ConfigType::Secret:
    return "secret";
  }
  return "string";
}

std::string environmentName(std::string_view prefix, const std::string& key) {
  std::string name(prefix);
  for (char c : key) {
    name += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  }
  return name;
}

/// Every key of a configuration table: name, type, default, help and its environment variable.
std::string configKeys(const std::vector<ConfigKey>& table, std::string_view prefix) {
  // Left-adjusted: a long variable name alone on a line cannot be spread to both margins.
  std::string out = ".ad l\n";
  for (const auto& key : table) {
    std::string term = "\\fB\\%" + roffText(key.name) + "\\fR (" + typeName(key.type) + ", ";
    if (key.type == ConfigType::Secret) {
      term += "no default";
    } else if (key.defaultValue.empty()) {
      term += "default unset";
    } else {
      term += "default \\fI" + roffText(key.defaultValue) + "\\fR";
    }
    term += ")";
    out += entry(term, key.help);
    out += ".br\nEnvironment: \\fB\\%" + roffText(environmentName(prefix, key.name)) + "\\fR.\n";
  }
  return out + ".ad\n";
}

ManPage customerPage() {
  using cli::OptionScope;
  ManPage page{"printrelay.1", {}};
  std::string commands;
  for (const auto& command : cli::commandTable()) {
    std::string term;
    for (std::string_view usage = command.usage;;) {
      const auto end = usage.find('\n');
      term += (term.empty() ? "" : " ") + roffSynopsis(usage.substr(0, end));
      if (end == std::string_view::npos) {
        break;
      }
      usage.remove_prefix(end + 1);
    }
    commands += entry(term, command.help);
  }
  page.fills["@COMMANDS@"] = commands;
  for (const auto& [marker, scope] : {std::pair{"@PRINT_OPTIONS@", OptionScope::Print},
                                      std::pair{"@OPTIONS@", OptionScope::Global},
                                      std::pair{"@COMMAND_OPTIONS@", OptionScope::Command}}) {
    std::string text;
    for (const auto& option : cli::optionTable()) {
      if (option.scope == scope) {
        text += entry(optionTerm("--" + std::string(option.name), option.value), option.help);
      }
    }
    page.fills[marker] = text;
  }
  std::string variables;
  for (const auto& variable : cli::environmentTable()) {
    variables += entry(".B \\%" + roffText(variable.name), variable.help);
  }
  page.fills["@ENVIRONMENT@"] = variables;
  return page;
}

ManPage cloudPage() {
  ManPage page{"printrelay-cloud.8", {}};
  page.fills["@OPTIONS@"] = options(cloud::cloudOptionTable());
  page.fills["@CONFIG_KEYS@"] = configKeys(cloud::cloudConfigTable(), cloud::kCloudEnvPrefix);
  return page;
}

ManPage agentPage() {
  ManPage page{"printrelay-agent.8", {}};
  std::string synopsis;
  std::string commands;
  for (const auto& command : agent::agentCommandTable()) {
    synopsis += ".B printrelay-agent\n[\\fB\\-\\-config\\fR \\fIFILE\\fR] " +
                roffSynopsis(command.synopsis) + "\n.br\n";
    commands += entry(roffSynopsis(command.synopsis), command.help);
  }
  page.fills["@SYNOPSIS@"] = synopsis;
  page.fills["@COMMANDS@"] = commands;
  page.fills["@OPTIONS@"] = options(agent::agentOptionTable());
  page.fills["@ENVIRONMENT@"] = environment(agent::agentEnvironmentTable());
  page.fills["@CONFIG_KEYS@"] = configKeys(agent::configTable(), agent::kEnvPrefix);
  return page;
}

ManPage ctlPage() {
  ManPage page{"printrelayctl.8", {}};
  std::string commands;
  for (const auto& command : ctl::commandTable()) {
    commands += ".TP\n" + roffSynopsis(command.synopsis) + "\n" + roffText(command.summary) +
                ".\n.IP\n" + roffText(oneParagraph(command.details)) + "\n";
  }
  page.fills["@COMMANDS@"] = commands;
  page.fills["@OPTIONS@"] = options(ctl::optionTable());
  page.fills["@COMMAND_OPTIONS@"] = options(ctl::commandOptionTable());
  page.fills["@ENVIRONMENT@"] = environment(agent::agentEnvironmentTable());
  return page;
}

} // namespace

std::string roffText(std::string_view text) {
  std::string out;
  bool lineStart = true;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (lineStart && (c == '.' || c == '\'')) {
      out += "\\&";
    }
    lineStart = c == '\n';
    if (c == '\\') {
      out += "\\e";
    } else if (c == '-') {
      out += "\\-";
    } else if (c < 0x80) {
      out += static_cast<char>(c);
    } else {
      // UTF-8 as a groff escape (\[u2026]), so the page is plain ASCII whatever the locale.
      const int extra = c >= 0xF0 ? 3 : c >= 0xE0 ? 2 : 1;
      std::uint32_t point = c & (0x3F >> extra);
      for (int k = 0; k < extra && i + 1 < text.size(); ++k) {
        point = (point << 6) | (static_cast<unsigned char>(text[++i]) & 0x3F);
      }
      char hex[16];
      std::snprintf(hex, sizeof hex, "\\[u%04X]", static_cast<unsigned>(point));
      out += hex;
    }
  }
  return out;
}

std::string roffSynopsis(std::string_view usage) {
  std::string out;
  std::size_t i = 0;
  while (i < usage.size()) {
    const char c = usage[i];
    if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
      // Punctuation as it is, a UTF-8 sequence ("…") whole.
      std::size_t end = i + 1;
      while (end < usage.size() && (static_cast<unsigned char>(usage[end]) & 0xC0) == 0x80) {
        ++end;
      }
      out += roffText(usage.substr(i, end - i));
      i = end;
      continue;
    }
    std::size_t end = i;
    while (end < usage.size() && (std::isalnum(static_cast<unsigned char>(usage[end])) ||
                                  usage[end] == '-' || usage[end] == '_' || usage[end] == '.')) {
      ++end;
    }
    const std::string_view word = usage.substr(i, end - i);
    bool upper = false;
    bool lower = false;
    for (char w : word) {
      upper = upper || std::isupper(static_cast<unsigned char>(w));
      lower = lower || std::islower(static_cast<unsigned char>(w));
    }
    const bool placeholder = upper && !lower;
    out += (placeholder ? "\\fI" : "\\fB") + roffText(word) + "\\fR";
    i = end;
  }
  return out;
}

std::string fillTemplate(std::string_view templateText, const ManPage& page) {
  std::string out;
  std::map<std::string, bool> placed;
  for (const auto& [marker, text] : page.fills) {
    placed[marker] = false;
  }
  while (!templateText.empty()) {
    const auto end = templateText.find('\n');
    std::string line(templateText.substr(0, end));
    templateText.remove_prefix(end == std::string_view::npos ? templateText.size() : end + 1);
    if (line.size() > 2 && line.front() == '@' && line.back() == '@') {
      const auto it = page.fills.find(line);
      if (it == page.fills.end()) {
        throw std::runtime_error(page.file + ".in: no section fills " + line);
      }
      out += it->second;
      placed[line] = true;
      continue;
    }
    for (auto at = line.find("@VERSION@"); at != std::string::npos; at = line.find("@VERSION@")) {
      line.replace(at, 9, std::string(version()));
    }
    out += line + "\n";
  }
  for (const auto& [marker, done] : placed) {
    if (!done) {
      throw std::runtime_error(page.file + ".in does not place " + marker);
    }
  }
  return out;
}

std::vector<ManPage> manPages() {
  return {customerPage(), cloudPage(), agentPage(), ctlPage()};
}

} // namespace printrelay::man
