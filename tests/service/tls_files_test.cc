// panelpaperd's own check of its TLS files (service/tls_files.h): what it
// accepts, every problem it names, and what it says changed. Certificates
// and keys are made here with libcrypto (P-256, self-signed).
#include "service/tls_files.h"

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace pp::service {
namespace {

using ::testing::AllOf;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::Not;
using ::testing::StartsWith;

struct Pem {
  std::string cert;
  std::string key;
};

std::string BioText(BIO* bio) {
  char* data = nullptr;
  const long n = BIO_get_mem_data(bio, &data);
  std::string out(data, static_cast<size_t>(n));
  BIO_free(bio);
  return out;
}

// A self-signed certificate for CN=`cn`, valid from now for `days` days.
Pem MakeCertificate(const std::string& cn, int days = 30) {
  EVP_PKEY* key = EVP_EC_gen("P-256");
  X509* x = X509_new();
  X509_set_version(x, 2);
  static long serial = 1;
  ASN1_INTEGER_set(X509_get_serialNumber(x), serial++);
  X509_gmtime_adj(X509_getm_notBefore(x), 0);
  X509_gmtime_adj(X509_getm_notAfter(x), static_cast<long>(days) * 86400);
  X509_set_pubkey(x, key);
  X509_NAME* name = X509_get_subject_name(x);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
  X509_set_issuer_name(x, name);
  X509_sign(x, key, EVP_sha256());
  BIO* cert = BIO_new(BIO_s_mem());
  PEM_write_bio_X509(cert, x);
  BIO* pkey = BIO_new(BIO_s_mem());
  PEM_write_bio_PrivateKey(pkey, key, nullptr, nullptr, 0, nullptr, nullptr);
  X509_free(x);
  EVP_PKEY_free(key);
  return {BioText(cert), BioText(pkey)};
}

std::string Write(const std::string& name, const std::string& text) {
  const std::string path = absl::StrCat(testing::TempDir(), "/tls_files_test.", getpid(), ".", name);
  std::ofstream(path, std::ios::trunc | std::ios::binary) << text;
  return path;
}

class TlsFilesTest : public testing::Test {
 protected:
  void SetUp() override {
    server_ = MakeCertificate("server-a");
    other_ = MakeCertificate("server-b");
    ca_ = MakeCertificate("client-ca-1");
    ca2_ = MakeCertificate("client-ca-2");
  }
  TlsFilePaths Paths(const std::string& cert, const std::string& key, const std::string& ca = "") {
    return {Write("cert.pem", cert), Write("key.pem", key), ca.empty() ? "" : Write("ca.pem", ca)};
  }
  Pem server_, other_, ca_, ca2_;
};

TEST_F(TlsFilesTest, AMatchingPairAndACaBundleAreDescribed) {
  absl::StatusOr<TlsFilesState> state =
      CheckTlsFiles(Paths(server_.cert + other_.cert, server_.key, ca_.cert + ca2_.cert), absl::Now());
  ASSERT_TRUE(state.ok()) << state.status();
  ASSERT_EQ(state->chain.size(), 2u);
  EXPECT_EQ(state->chain[0].subject, "CN=server-a");
  EXPECT_EQ(state->chain[0].sha256.size(), 64u);
  EXPECT_GT(state->chain[0].not_after, absl::Now() + absl::Hours(24 * 29));
  EXPECT_THAT(state->chain[0].ToString(), AllOf(StartsWith("CN=server-a (sha256 "), HasSubstr("valid until ")));
  ASSERT_EQ(state->client_cas.size(), 2u);
  EXPECT_EQ(state->client_cas[1].subject, "CN=client-ca-2");
  // Without a client CA: none.
  state = CheckTlsFiles(Paths(server_.cert, server_.key), absl::Now());
  ASSERT_TRUE(state.ok()) << state.status();
  EXPECT_THAT(state->client_cas, IsEmpty());
}

TEST_F(TlsFilesTest, EveryProblemIsNamedWithItsFlagAndNoSecret) {
  // A certificate file with one good and one broken block, a key of another
  // certificate, a CA file without certificates.
  std::string broken = other_.cert;
  broken[broken.size() / 2] = '!';
  absl::StatusOr<TlsFilesState> state =
      CheckTlsFiles(Paths(server_.cert + broken, other_.key, "not a certificate\n"), absl::Now());
  ASSERT_FALSE(state.ok());
  EXPECT_EQ(state.status().code(), absl::StatusCode::kInvalidArgument);
  const std::string m(state.status().message());
  EXPECT_THAT(m, HasSubstr("1 of its 2 certificate blocks do not parse"));
  EXPECT_THAT(m, HasSubstr("does not belong to the certificate CN=server-a"));
  EXPECT_THAT(m, HasSubstr("--tls_client_ca " + Write("ca.pem", "not a certificate\n") +
                           ": no PEM certificate in it"));
  EXPECT_THAT(m, Not(HasSubstr("PRIVATE KEY")));
}

TEST_F(TlsFilesTest, UnreadableFilesAndAKeyThatIsNoKey) {
  TlsFilePaths paths{testing::TempDir() + "/no-such-cert.pem", Write("garbage.key", "garbage"),
                     testing::TempDir() + "/no-such-ca.pem"};
  absl::StatusOr<TlsFilesState> state = CheckTlsFiles(paths, absl::Now());
  ASSERT_FALSE(state.ok());
  const std::string m(state.status().message());
  EXPECT_THAT(m, HasSubstr("--tls_cert: "));
  EXPECT_THAT(m, HasSubstr("no-such-cert.pem"));
  EXPECT_THAT(m, HasSubstr(": not a PEM private key"));
  EXPECT_THAT(m, HasSubstr("--tls_client_ca: "));
  // A certificate where the key should be is no key either.
  state = CheckTlsFiles(Paths(server_.cert, server_.cert), absl::Now());
  ASSERT_FALSE(state.ok());
  EXPECT_THAT(state.status().message(), HasSubstr("not a PEM private key"));
}

TEST_F(TlsFilesTest, ValidityIsJudgedAtTheGivenTime) {
  const TlsFilePaths paths = Paths(server_.cert, server_.key, ca_.cert);
  absl::StatusOr<TlsFilesState> later = CheckTlsFiles(paths, absl::Now() + absl::Hours(24 * 31));
  ASSERT_FALSE(later.ok());
  EXPECT_THAT(later.status().message(), HasSubstr("--tls_cert " + paths.cert + ": CN=server-a expired on "));
  EXPECT_THAT(later.status().message(), HasSubstr("CN=client-ca-1 expired on "));
  absl::StatusOr<TlsFilesState> earlier = CheckTlsFiles(paths, absl::Now() - absl::Hours(1));
  ASSERT_FALSE(earlier.ok());
  EXPECT_THAT(earlier.status().message(), HasSubstr("CN=server-a is not valid before "));
}

TEST_F(TlsFilesTest, ChangesAreListedPerFile) {
  absl::StatusOr<TlsFilesState> before = CheckTlsFiles(Paths(server_.cert, server_.key, ca_.cert), absl::Now());
  ASSERT_TRUE(before.ok()) << before.status();
  absl::StatusOr<TlsFilesState> same = CheckTlsFiles(Paths(server_.cert, server_.key, ca_.cert), absl::Now());
  ASSERT_TRUE(same.ok());
  EXPECT_THAT(DescribeTlsChange(*before, *same), IsEmpty());

  absl::StatusOr<TlsFilesState> rotated =
      CheckTlsFiles(Paths(other_.cert, other_.key, ca_.cert + ca2_.cert), absl::Now());
  ASSERT_TRUE(rotated.ok()) << rotated.status();
  const std::vector<std::string> changes = DescribeTlsChange(*before, *rotated);
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_THAT(changes[0], AllOf(StartsWith("certificate: CN=server-a (sha256 "), HasSubstr(" -> CN=server-b (sha256 ")));
  EXPECT_EQ(changes[1], "private key: changed");
  EXPECT_EQ(changes[2], "client CA: 1 certificate -> 2 certificates (CN=client-ca-1; CN=client-ca-2)");
  // Only the CA changed.
  absl::StatusOr<TlsFilesState> ca_only = CheckTlsFiles(Paths(server_.cert, server_.key, ca2_.cert), absl::Now());
  ASSERT_TRUE(ca_only.ok());
  EXPECT_THAT(DescribeTlsChange(*before, *ca_only),
              ElementsAre("client CA: 1 certificate -> 1 certificate (CN=client-ca-2)"));
}

TEST_F(TlsFilesTest, TheMonitorReportsNewsOnceAndEverythingOnSighup) {
  const TlsFilePaths paths{Write("m-cert.pem", server_.cert), Write("m-key.pem", server_.key), ""};
  absl::StatusOr<TlsFilesState> start = CheckTlsFiles(paths, absl::Now());
  ASSERT_TRUE(start.ok()) << start.status();
  TlsFilesMonitor monitor(paths, *start);
  // Nothing new: a periodic check is silent, SIGHUP says so.
  EXPECT_THAT(monitor.Check(absl::Now(), false).lines, IsEmpty());
  EXPECT_THAT(monitor.Check(absl::Now(), true).lines, ElementsAre("unchanged"));
  // A rotation: reported once.
  Write("m-cert.pem", other_.cert);
  Write("m-key.pem", other_.key);
  TlsFilesMonitor::Report r = monitor.Check(absl::Now(), false);
  EXPECT_TRUE(r.ok);
  ASSERT_EQ(r.lines.size(), 2u);
  EXPECT_THAT(r.lines[0], HasSubstr("-> CN=server-b"));
  EXPECT_THAT(monitor.Check(absl::Now(), false).lines, IsEmpty());
  // A broken key: the problem once (periodic), again on SIGHUP; the last
  // good state is kept, so putting the key back is no change.
  Write("m-key.pem", server_.key);
  r = monitor.Check(absl::Now(), false);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(r.lines.size(), 1u);
  EXPECT_THAT(r.lines[0], HasSubstr("does not belong to the certificate CN=server-b"));
  EXPECT_THAT(monitor.Check(absl::Now(), false).lines, IsEmpty());
  r = monitor.Check(absl::Now(), true);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(r.lines, ElementsAre(HasSubstr("does not belong")));
  Write("m-key.pem", "garbage");  // another problem: news again
  EXPECT_THAT(monitor.Check(absl::Now(), false).lines, ElementsAre(HasSubstr("not a PEM private key")));
  Write("m-key.pem", other_.key);
  r = monitor.Check(absl::Now(), false);
  EXPECT_TRUE(r.ok);
  EXPECT_THAT(r.lines, IsEmpty());
  // The same problem after a good spell is news again.
  Write("m-key.pem", "garbage");
  EXPECT_THAT(monitor.Check(absl::Now(), false).lines, ElementsAre(HasSubstr("not a PEM private key")));
}

}  // namespace
}  // namespace pp::service
