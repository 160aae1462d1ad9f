#include "notify/smtp.hpp"

#include <curl/curl.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <utility>

#include "core/clock.hpp"
#include "exec/runtime.hpp"
#include "tokens/crypto.hpp"

namespace ciamd {

namespace {

struct CurlCleanup {
  void operator()(CURL* handle) const { curl_easy_cleanup(handle); }
};
using CurlHandle = std::unique_ptr<CURL, CurlCleanup>;

struct SlistCleanup {
  void operator()(curl_slist* list) const { curl_slist_free_all(list); }
};
using Slist = std::unique_ptr<curl_slist, SlistCleanup>;

// curl_global_init is not thread-safe and must run before any other curl call; once per process
// is enough. It is never undone: curl_global_cleanup at exit would race senders still running.
void init_curl_once() {
  static std::once_flag once;
  std::call_once(once, [] {
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
      throw std::runtime_error("smtp: curl_global_init failed");
    }
  });
}

// Hands libcurl the message bytes as it asks for them.
struct Upload {
  std::string_view data;
  std::size_t offset = 0;
};

std::size_t read_upload(char* buffer, std::size_t size, std::size_t count, void* user) {
  auto* upload = static_cast<Upload*>(user);
  const std::size_t n = std::min(size * count, upload->data.size() - upload->offset);
  std::memcpy(buffer, upload->data.data() + upload->offset, n);
  upload->offset += n;
  return n;  // 0 ends the DATA phase; libcurl adds the "." line and does the dot-stuffing
}

std::string server_url(const SmtpOptions& options) {
  const bool v6 = options.host.find(':') != std::string::npos && options.host.front() != '[';
  const std::string host = v6 ? "[" + options.host + "]" : options.host;
  const char* scheme = options.security == SmtpSecurity::kTls ? "smtps://" : "smtp://";
  return scheme + host + ":" + std::to_string(options.port);
}

std::string domain_of(std::string_view address) {
  return std::string(address.substr(address.find('@') + 1));
}

}  // namespace

SmtpEmailSender::SmtpEmailSender(BlockingPool& pool, SmtpOptions options)
    : pool_(pool), options_(std::move(options)) {
  // The host becomes part of a URL: a '/', '@' or '?' in it would quietly change what libcurl
  // connects to, so only a bare name or address is accepted.
  if (options_.host.empty() || options_.host.find_first_of("/@?#\\ \t\r\n") != std::string::npos) {
    throw std::invalid_argument("smtp: the host must be a bare name or address");
  }
  if (options_.port == 0) throw std::invalid_argument("smtp: the port is 0");
  if (options_.timeout_ms.count() <= 0) throw std::invalid_argument("smtp: timeout must be > 0");
  auto from = notify::parse_mailbox(options_.from);
  if (!from) throw std::invalid_argument("smtp: `from` is not an address or Name <address>");
  from_ = std::move(*from);
  if (options_.security == SmtpSecurity::kNone && !options_.username.empty()) {
    spdlog::warn("smtp: credentials for {} will be sent without TLS", options_.host);
  }
  init_curl_once();
}

Task<Status> SmtpEmailSender::deliver(const Notification& message) {
  co_return co_await pool_.run([this, &message] { return send_blocking(message); });
}

Status SmtpEmailSender::send_blocking(const Notification& message) const {
  // The address goes into the envelope and a header: anything that could add a command or a
  // header line is refused before a byte is sent.
  if (!notify::is_plain_address(message.to)) {
    return ApiError{ErrorCode::kCodeSendFailed, "smtp: the recipient is not a plain address"};
  }
  const std::string text = notify::render_email(
      notify::Email{from_, message.to, message.subject, message.text, system_now(),
                    crypto::random_hex(16) + "@" + domain_of(from_.address)});

  const CurlHandle curl(curl_easy_init());
  if (!curl) return ApiError{ErrorCode::kCodeSendFailed, "smtp: curl_easy_init failed"};
  Slist recipients(curl_slist_append(nullptr, ("<" + message.to + ">").c_str()));
  if (!recipients) return ApiError{ErrorCode::kCodeSendFailed, "smtp: out of memory"};
  Upload upload{text};
  std::array<char, CURL_ERROR_SIZE> error{};
  const std::string url = server_url(options_);
  const std::string mail_from = "<" + from_.address + ">";
  const long timeout = static_cast<long>(options_.timeout_ms.count());

  CURLcode rc = CURLE_OK;
  auto set = [&](CURLoption option, auto value) {
    if (rc == CURLE_OK) rc = curl_easy_setopt(curl.get(), option, value);
  };
  set(CURLOPT_ERRORBUFFER, error.data());
  set(CURLOPT_URL, url.c_str());
  set(CURLOPT_PROTOCOLS_STR, "smtp,smtps");  // never follow the URL anywhere else
  // Threads share this process: no signals (and so no SIGALRM-based DNS timeouts) from libcurl.
  set(CURLOPT_NOSIGNAL, 1L);
  set(CURLOPT_CONNECTTIMEOUT_MS, timeout);
  set(CURLOPT_TIMEOUT_MS, timeout);
  set(CURLOPT_USE_SSL,
      static_cast<long>(options_.security == SmtpSecurity::kStartTls ? CURLUSESSL_ALL
                                                                     : CURLUSESSL_NONE));
  set(CURLOPT_SSL_VERIFYPEER, 1L);
  set(CURLOPT_SSL_VERIFYHOST, 2L);
  set(CURLOPT_SSLVERSION, static_cast<long>(CURL_SSLVERSION_TLSv1_2));
  if (!options_.ca_file.empty()) set(CURLOPT_CAINFO, options_.ca_file.c_str());
  if (!options_.username.empty()) {
    set(CURLOPT_USERNAME, options_.username.c_str());
    set(CURLOPT_PASSWORD, options_.password.c_str());
  }
  set(CURLOPT_MAIL_FROM, mail_from.c_str());
  set(CURLOPT_MAIL_RCPT, recipients.get());
  set(CURLOPT_READFUNCTION, &read_upload);
  set(CURLOPT_READDATA, &upload);
  set(CURLOPT_UPLOAD, 1L);
  if (rc != CURLE_OK) {
    return ApiError{ErrorCode::kCodeSendFailed,
                    std::string("smtp: libcurl option refused: ") + curl_easy_strerror(rc)};
  }

  rc = curl_easy_perform(curl.get());
  if (rc == CURLE_OK) return Done{};
  long reply = 0;
  curl_easy_getinfo(curl.get(), CURLINFO_RESPONSE_CODE, &reply);
  std::string detail = "smtp " + url + ": " + curl_easy_strerror(rc);
  if (error[0] != '\0') detail += std::string(" (") + error.data() + ")";
  if (reply != 0) detail += ", last reply " + std::to_string(reply);
  return ApiError{ErrorCode::kCodeSendFailed, std::move(detail)};
}

}  // namespace ciamd
