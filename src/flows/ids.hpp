// flows/ids: identifiers ciamd mints for new records.
#pragma once

#include <string>

#include "core/model.hpp"

namespace ciamd {

// A user id in the product family's form: "20220425140138519-BF1B-528B0551B" (UTC time to the
// millisecond, then 52 random bits in hex) so ids sort by creation and cannot be guessed.
std::string new_user_id();

// A username for a user created from a social identity: "<prefix>_" + 10 random [a-z0-9].
std::string new_username(std::string_view prefix);

// A client id: 32 random [A-Za-z0-9], like the customer's examples.
std::string new_client_id();

// This process among the nodes sharing a database: 16 random hex chars, drawn once per process
// (a restarted node is a new one). Names the holder of a lease (Store::acquire_lease) in logs.
const std::string& node_id();

}  // namespace ciamd
