#include "idp-sim/tls_setup.hpp"

#include <fcntl.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <system_error>

namespace idp_sim {
namespace {

template <auto Free>
struct Deleter {
  template <class T>
  void operator()(T* p) const {
    Free(p);
  }
};
using PkeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY_free>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509_free>>;
using BioPtr = std::unique_ptr<BIO, Deleter<BIO_free_all>>;
using ExtPtr = std::unique_ptr<X509_EXTENSION, Deleter<X509_EXTENSION_free>>;

constexpr long kValiditySeconds = 86400;  // one day
// Backdating by a few minutes tolerates small clock differences between processes and hosts.
constexpr long kBackdateSeconds = 300;

[[noreturn]] void fail(const std::string& what) {
  const unsigned long err = ERR_get_error();
  std::string detail;
  if (err != 0) {
    char buf[256];
    ERR_error_string_n(err, buf, sizeof buf);
    detail = std::string(": ") + buf;
  }
  ERR_clear_error();
  throw std::runtime_error("TLS setup: " + what + detail);
}

PkeyPtr new_p256_key() {
  PkeyPtr key(EVP_EC_gen("P-256"));
  if (!key) fail("EC key generation");
  return key;
}

void set_name(X509_NAME* name, const char* common_name) {
  const auto add = [name](const char* field, const char* value) {
    if (X509_NAME_add_entry_by_txt(name, field, MBSTRING_UTF8,
                                   reinterpret_cast<const unsigned char*>(value), -1, -1, 0) != 1) {
      fail("certificate name");
    }
  };
  add("O", "ciamd idp-sim (throwaway)");
  add("CN", common_name);
}

// `issuer` may be `cert` itself, for the self-signed CA.
void add_extension(X509* cert, X509* issuer, int nid, const char* value) {
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, issuer, cert, nullptr, nullptr, 0);
  ExtPtr ext(X509V3_EXT_conf_nid(nullptr, &ctx, nid, value));
  if (!ext || X509_add_ext(cert, ext.get(), -1) != 1) fail("certificate extension");
}

X509Ptr new_certificate(EVP_PKEY* subject_key, const char* common_name) {
  X509Ptr cert(X509_new());
  if (!cert) fail("X509_new");
  std::uint64_t serial = 0;
  if (RAND_bytes(reinterpret_cast<unsigned char*>(&serial), sizeof serial) != 1) fail("serial");
  serial &= 0x7fffffffffffffffULL;  // serial numbers must be positive
  if (X509_set_version(cert.get(), X509_VERSION_3) != 1 ||
      ASN1_INTEGER_set_uint64(X509_get_serialNumber(cert.get()), serial) != 1 ||
      X509_gmtime_adj(X509_getm_notBefore(cert.get()), -kBackdateSeconds) == nullptr ||
      X509_gmtime_adj(X509_getm_notAfter(cert.get()), kValiditySeconds) == nullptr ||
      X509_set_pubkey(cert.get(), subject_key) != 1) {
    fail("certificate fields");
  }
  set_name(X509_get_subject_name(cert.get()), common_name);
  return cert;
}

std::string to_pem(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio || PEM_write_bio_X509(bio.get(), cert) != 1) fail("PEM certificate");
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

std::string to_pem(EVP_PKEY* key) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (!bio ||
      PEM_write_bio_PrivateKey(bio.get(), key, nullptr, nullptr, 0, nullptr, nullptr) != 1) {
    fail("PEM private key");
  }
  char* data = nullptr;
  const long len = BIO_get_mem_data(bio.get(), &data);
  return std::string(data, static_cast<std::size_t>(len));
}

class FileDescriptor {
 public:
  explicit FileDescriptor(int fd) : fd_(fd) {}
  ~FileDescriptor() {
    if (fd_ >= 0) ::close(fd_);
  }
  FileDescriptor(const FileDescriptor&) = delete;
  FileDescriptor& operator=(const FileDescriptor&) = delete;
  int get() const { return fd_; }
  // Closes now, so that a failing close (a lost write) is reported.
  void close() {
    const int fd = fd_;
    fd_ = -1;
    if (::close(fd) != 0) throw std::system_error(errno, std::generic_category(), "close");
  }

 private:
  int fd_;
};

}  // namespace

void write_file_atomically(const std::filesystem::path& path, const std::string& content,
                           unsigned mode) {
  const std::filesystem::path tmp = path.string() + ".tmp." + std::to_string(::getpid());
  FileDescriptor fd(::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode));
  if (fd.get() < 0) {
    throw std::system_error(errno, std::generic_category(), "open " + tmp.string());
  }
  // The umask may have cleared bits of `mode`; a stale temporary file may have had others.
  if (::fchmod(fd.get(), mode) != 0) {
    throw std::system_error(errno, std::generic_category(), "fchmod " + tmp.string());
  }
  std::size_t written = 0;
  while (written < content.size()) {
    const ssize_t n = ::write(fd.get(), content.data() + written, content.size() - written);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) throw std::system_error(errno, std::generic_category(), "write " + tmp.string());
    written += static_cast<std::size_t>(n);
  }
  fd.close();
  std::filesystem::rename(tmp, path);
}

TlsMaterial generate_tls_material(const std::filesystem::path& dir) {
  std::filesystem::create_directories(dir);

  PkeyPtr ca_key = new_p256_key();
  X509Ptr ca = new_certificate(ca_key.get(), "ciamd idp-sim CA");
  if (X509_set_issuer_name(ca.get(), X509_get_subject_name(ca.get())) != 1) fail("CA issuer");
  add_extension(ca.get(), ca.get(), NID_basic_constraints, "critical,CA:TRUE,pathlen:0");
  add_extension(ca.get(), ca.get(), NID_key_usage, "critical,keyCertSign,cRLSign");
  add_extension(ca.get(), ca.get(), NID_subject_key_identifier, "hash");
  add_extension(ca.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  if (X509_sign(ca.get(), ca_key.get(), EVP_sha256()) == 0) fail("CA signature");

  PkeyPtr leaf_key = new_p256_key();
  X509Ptr leaf = new_certificate(leaf_key.get(), "localhost");
  if (X509_set_issuer_name(leaf.get(), X509_get_subject_name(ca.get())) != 1) fail("issuer");
  add_extension(leaf.get(), ca.get(), NID_basic_constraints, "critical,CA:FALSE");
  add_extension(leaf.get(), ca.get(), NID_key_usage, "critical,digitalSignature");
  add_extension(leaf.get(), ca.get(), NID_ext_key_usage, "serverAuth");
  add_extension(leaf.get(), ca.get(), NID_subject_alt_name, "DNS:localhost,IP:127.0.0.1");
  add_extension(leaf.get(), ca.get(), NID_subject_key_identifier, "hash");
  add_extension(leaf.get(), ca.get(), NID_authority_key_identifier, "keyid:always");
  if (X509_sign(leaf.get(), ca_key.get(), EVP_sha256()) == 0) fail("server signature");

  TlsMaterial out{dir / "ca.pem", dir / "server.pem", dir / "server.key"};
  const std::string ca_pem = to_pem(ca.get());
  write_file_atomically(out.key_file, to_pem(leaf_key.get()), 0600);
  write_file_atomically(out.ca_file, ca_pem, 0644);
  write_file_atomically(out.chain_file, to_pem(leaf.get()) + ca_pem, 0644);
  return out;
}

}  // namespace idp_sim
