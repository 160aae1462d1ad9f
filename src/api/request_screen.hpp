// api/request_screen: the header rules every request to a ciamd listener meets before any endpoint
// runs (ServerOptions::screen_request), after the HTTP framing rules of net/:
//   - every header value is well-formed UTF-8 (PARAM.0119): values are stored (device
//     fingerprint, agent, reported IP, ...) and shown again in JSON, which must be UTF-8;
//   - a header ciamd reads as one value appears at most once (PARAM.0120): taking the first of two
//     would let a proxy and ciamd disagree about the client id or the state token.
#pragma once

#include <optional>

#include "core/error.hpp"
#include "net/http.hpp"

namespace ciamd {

// The first rule `headers` break, in the order above; nullopt when they keep both.
std::optional<ErrorCode> screen_headers(const Headers& headers);

// screen_headers as a response: the catalog's error in the language of X-L.
std::optional<HttpResponse> screen_request(const HttpRequest& http);

}  // namespace ciamd
