// core/clock: the source of "now". Flows take a Clock so tests can move time without sleeping.
#pragma once

#include <functional>

#include "core/model.hpp"

namespace ciamd {

using Clock = std::function<UnixSeconds()>;

UnixSeconds system_now();

}  // namespace ciamd
