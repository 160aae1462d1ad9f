#include "version/version.hpp"

namespace ciamd {

std::string version_line() {
  const BuildInfo info = build_info();
  std::string line = "ciamd ";
  line.append(info.version);
  line.append(" (commit ");
  line.append(info.commit);
  line.append(", ");
  line.append(info.build_type);
  line.append(")");
  return line;
}

}  // namespace ciamd
