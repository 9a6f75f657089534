// troupe-command-list: prints the command table as Markdown (one line per
// group, commands with their subcommands). deploy/gen-command-list.sh puts
// its output into README.md, so the README's command list is generated
// from the table rather than kept by hand.
#include <cstdio>
#include <map>
#include <string>
#include <vector>

#include "actors/common/strings.h"
#include "actors/shard/commands/command_table.h"

int main() {
  using troupe::CommandTable;
  std::map<std::string, std::vector<std::string>> by_group;
  size_t listed = 0;  // server-mode commands: the sentinel-only ones are left out
  for (const auto& c : CommandTable::Instance().all()) {
    if (c->flags & troupe::kCmdOnlySentinel) continue;
    ++listed;
    std::string entry = troupe::ToUpper(c->name);
    if (!c->subcommands.empty()) {
      entry += " (";
      for (size_t i = 0; i < c->subcommands.size(); ++i) {
        std::string sub = c->subcommands[i].name.substr(c->name.size() + 1);
        entry += (i ? " " : "") + troupe::ToUpper(sub);
      }
      entry += ")";
    }
    by_group[c->group].push_back(entry);
  }
  std::printf("%zu commands.\n\n", listed);
  for (const auto& [group, names] : by_group) {
    std::printf("- **%s**:", group.c_str());
    for (const auto& n : names) std::printf(" %s", n.c_str());
    std::printf("\n");
  }
  return 0;
}
