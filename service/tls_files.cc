#include "service/tls_files.h"

#include <openssl/asn1.h>
#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include <ctime>
#include <memory>
#include <utility>

#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/string_view.h"
#include "service/files.h"
#include "service/sha256.h"

namespace pp::service {

namespace {

struct BioFree {
  void operator()(BIO* b) const { BIO_free(b); }
};
struct X509Free {
  void operator()(X509* x) const { X509_free(x); }
};
struct PkeyFree {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using BioPtr = std::unique_ptr<BIO, BioFree>;
using X509Ptr = std::unique_ptr<X509, X509Free>;
using PkeyPtr = std::unique_ptr<EVP_PKEY, PkeyFree>;

// Never prompts for a passphrase (OpenSSL's default would read the
// terminal): an encrypted key simply does not load.
int NoPassphrase(char*, int, int, void*) { return 0; }

absl::Time AsnTime(const ASN1_TIME* t) {
  struct tm tm {};
  if (t == nullptr || ASN1_TIME_to_tm(t, &tm) != 1) return absl::InfinitePast();
  return absl::FromTimeT(timegm(&tm));
}

std::string Subject(X509* cert) {
  BioPtr bio(BIO_new(BIO_s_mem()));
  if (bio == nullptr) return "?";
  X509_NAME_print_ex(bio.get(), X509_get_subject_name(cert), 0, XN_FLAG_RFC2253);
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio.get(), &data);
  std::string out = n > 0 ? std::string(data, static_cast<size_t>(n)) : std::string();
  return out.empty() ? "(empty subject)" : out;
}

CertSummary Summarise(X509* cert) {
  CertSummary s;
  s.subject = Subject(cert);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (X509_digest(cert, EVP_sha256(), md, &len) == 1) {
    s.sha256 = absl::BytesToHexString(absl::string_view(reinterpret_cast<const char*>(md), len));
  }
  s.not_before = AsnTime(X509_get0_notBefore(cert));
  s.not_after = AsnTime(X509_get0_notAfter(cert));
  return s;
}

size_t Count(absl::string_view text, absl::string_view what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != absl::string_view::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

// Every certificate of a PEM file; problems appended to `problems`, each
// prefixed with `name` (e.g. "--tls_cert server.pem").
std::vector<X509Ptr> ReadCertificates(const std::string& pem, const std::string& name,
                                      std::vector<std::string>* problems) {
  std::vector<X509Ptr> certs;
  const size_t blocks = Count(pem, "-----BEGIN CERTIFICATE-----") +
                        Count(pem, "-----BEGIN TRUSTED CERTIFICATE-----") +
                        Count(pem, "-----BEGIN X509 CERTIFICATE-----");
  BioPtr bio(BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
  while (bio != nullptr) {
    X509* x = PEM_read_bio_X509(bio.get(), nullptr, NoPassphrase, nullptr);
    if (x == nullptr) break;
    certs.emplace_back(x);
  }
  ERR_clear_error();
  if (blocks == 0) {
    problems->push_back(absl::StrCat(name, ": no PEM certificate in it"));
  } else if (certs.size() < blocks) {
    problems->push_back(absl::StrCat(name, ": ", blocks - certs.size(), " of its ", blocks,
                                     " certificate blocks do not parse"));
  }
  return certs;
}

std::string UtcMinute(absl::Time t) {
  return absl::FormatTime("%Y-%m-%d %H:%M UTC", t, absl::UTCTimeZone());
}

std::string Plural(size_t n, const char* one) {
  return absl::StrCat(n, " ", one, n == 1 ? "" : "s");
}

std::string Subjects(const std::vector<CertSummary>& certs) {
  std::vector<std::string> out;
  for (const CertSummary& c : certs) out.push_back(c.subject);
  return absl::StrJoin(out, "; ");
}

}  // namespace

std::string CertSummary::ToString() const {
  return absl::StrCat(subject, " (sha256 ", sha256.substr(0, 16), "..., valid until ",
                      UtcMinute(not_after), ")");
}

absl::StatusOr<TlsFilesState> CheckTlsFiles(const TlsFilePaths& paths, absl::Time now) {
  std::vector<std::string> problems;
  TlsFilesState state;

  const std::string cert_name = absl::StrCat("--tls_cert ", paths.cert);
  std::vector<X509Ptr> chain;
  absl::StatusOr<std::string> cert_pem = ReadFile(paths.cert);
  if (!cert_pem.ok()) {
    problems.push_back(absl::StrCat("--tls_cert: ", cert_pem.status().message()));
  } else {
    chain = ReadCertificates(*cert_pem, cert_name, &problems);
    for (const X509Ptr& c : chain) state.chain.push_back(Summarise(c.get()));
    if (!state.chain.empty()) {
      const CertSummary& leaf = state.chain.front();
      if (now < leaf.not_before) {
        problems.push_back(absl::StrCat(cert_name, ": ", leaf.subject, " is not valid before ",
                                        UtcMinute(leaf.not_before)));
      }
      if (now > leaf.not_after) {
        problems.push_back(absl::StrCat(cert_name, ": ", leaf.subject, " expired on ",
                                        UtcMinute(leaf.not_after)));
      }
    }
  }

  absl::StatusOr<std::string> key_pem = ReadFile(paths.key);
  if (!key_pem.ok()) {
    problems.push_back(absl::StrCat("--tls_key: ", key_pem.status().message()));
  } else {
    state.key_digest = Sha256Hex(*key_pem);
    BioPtr bio(BIO_new_mem_buf(key_pem->data(), static_cast<int>(key_pem->size())));
    PkeyPtr key(bio == nullptr ? nullptr
                               : PEM_read_bio_PrivateKey(bio.get(), nullptr, NoPassphrase, nullptr));
    ERR_clear_error();
    if (key == nullptr) {
      problems.push_back(absl::StrCat(
          "--tls_key ", paths.key,
          ": not a PEM private key (or an encrypted one: panelpaperd needs it unencrypted)"));
    } else if (!chain.empty() && X509_check_private_key(chain.front().get(), key.get()) != 1) {
      ERR_clear_error();
      problems.push_back(absl::StrCat("--tls_key ", paths.key, " does not belong to the certificate ",
                                      state.chain.front().subject, " of --tls_cert ", paths.cert));
    }
  }

  if (!paths.client_ca.empty()) {
    absl::StatusOr<std::string> ca_pem = ReadFile(paths.client_ca);
    if (!ca_pem.ok()) {
      problems.push_back(absl::StrCat("--tls_client_ca: ", ca_pem.status().message()));
    } else {
      for (const X509Ptr& c :
           ReadCertificates(*ca_pem, absl::StrCat("--tls_client_ca ", paths.client_ca), &problems)) {
        state.client_cas.push_back(Summarise(c.get()));
      }
      for (const CertSummary& ca : state.client_cas) {
        if (now > ca.not_after) {
          problems.push_back(absl::StrCat("--tls_client_ca ", paths.client_ca, ": ", ca.subject,
                                          " expired on ", UtcMinute(ca.not_after)));
        }
      }
    }
  }
  if (!problems.empty()) return absl::InvalidArgumentError(absl::StrJoin(problems, "; "));
  return state;
}

std::vector<std::string> DescribeTlsChange(const TlsFilesState& before, const TlsFilesState& after) {
  std::vector<std::string> out;
  auto same = [](const std::vector<CertSummary>& a, const std::vector<CertSummary>& b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
      if (a[i].sha256 != b[i].sha256) return false;
    }
    return true;
  };
  if (!same(before.chain, after.chain)) {
    std::string line = absl::StrCat(
        "certificate: ", before.chain.empty() ? "none" : before.chain.front().ToString(), " -> ",
        after.chain.empty() ? "none" : after.chain.front().ToString());
    if (before.chain.size() != after.chain.size()) {
      absl::StrAppend(&line, " (chain of ", after.chain.size(), ", was ", before.chain.size(), ")");
    }
    out.push_back(std::move(line));
  }
  if (before.key_digest != after.key_digest) out.push_back("private key: changed");
  if (!same(before.client_cas, after.client_cas)) {
    out.push_back(absl::StrCat("client CA: ", Plural(before.client_cas.size(), "certificate"), " -> ",
                               Plural(after.client_cas.size(), "certificate"), " (",
                               Subjects(after.client_cas), ")"));
  }
  return out;
}

TlsFilesMonitor::TlsFilesMonitor(TlsFilePaths paths, TlsFilesState start)
    : paths_(std::move(paths)), last_good_(std::move(start)) {}

TlsFilesMonitor::Report TlsFilesMonitor::Check(absl::Time now, bool sighup) {
  absl::StatusOr<TlsFilesState> state = CheckTlsFiles(paths_, now);
  absl::MutexLock lock(&mu_);
  Report report;
  if (!state.ok()) {
    report.ok = false;
    const std::string problem(state.status().message());
    if (sighup || problem != last_problem_) report.lines.push_back(problem);
    last_problem_ = problem;
    return report;
  }
  last_problem_.clear();
  report.lines = DescribeTlsChange(last_good_, *state);
  last_good_ = *std::move(state);
  if (report.lines.empty() && sighup) report.lines.push_back("unchanged");
  return report;
}

}  // namespace pp::service
