#pragma once
// The machine-readable report, schema docs/audit.schema.json (schema_version 1). Additions keep
// the version; a removed or renamed member, or a changed meaning, increments it.
#include <boost/json/object.hpp>
#include <vector>

#include "audit/report.hpp"

namespace mcpgate::audit {

inline constexpr int kSchemaVersion = 1;

boost::json::object to_json(const EndpointReport& report);
boost::json::object to_json(const std::vector<EndpointReport>& reports);

}  // namespace mcpgate::audit
