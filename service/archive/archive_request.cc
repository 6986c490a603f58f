#include "service/archive/archive_request.h"

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/time/time.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "service/field_path.h"
#include "service/files.h"
#include "service/sha256.h"
#include "service/word_guard.h"

namespace pp::service::archive {
namespace {

namespace pb = ::panelpaper::v1;

constexpr char kDateFormat[] = "must be an ISO 8601 date YYYY-MM-DD, e.g. 2020-01-08";

// "YYYY-MM-DD" -> a real date; false otherwise.
bool ParseDate(std::string_view s, doc::Date* out) { return !ParseIsoDate(s, out).has_value(); }

std::string FormatDate(const doc::Date& d) {
  return absl::StrFormat("%04d-%02d-%02d", d.year(), d.month(), d.day());
}

// A sign-off text field: required or not, one line, showable, bounded.
void SignOffText(const std::string& s, const FieldPath& parent, std::string_view name,
                 bool required, const text::FontSet& fonts, Violations* v, std::string* out) {
  const std::string path = parent.Field(name).str();
  if (absl::StripAsciiWhitespace(s).empty()) {
    if (required) v->AddInvalid(path, "required");
    return;
  }
  if (s.size() > kMaxSignOffBytes) {
    v->AddInvalid(path, absl::StrCat("is ", s.size(), " bytes; at most ", kMaxSignOffBytes));
    return;
  }
  if (absl::Status st = fonts.CheckText(s, /*allow_newline=*/false); !st.ok()) {
    v->AddInvalid(path, std::string(st.message()));
    return;
  }
  *out = s;
}

std::string FilterKey(const pb::ListArchivedPapersRequest& req) {
  return Sha256Hex(absl::StrCat(req.panel_name(), std::string(1, '\0'), req.meeting_date_from(),
                                std::string(1, '\0'), req.meeting_date_to(), std::string(1, '\0'),
                                req.agenda_item()))
      .substr(0, 16);
}

}  // namespace

void CheckPaperId(std::string_view id, std::string_view field, Violations* v) {
  if (id.empty()) {
    v->AddInvalid(std::string(field), "required");
    return;
  }
  if (id.size() > kMaxPaperIdChars) {
    v->AddInvalid(std::string(field),
                  absl::StrCat("is ", id.size(), " characters; at most ", kMaxPaperIdChars));
    return;
  }
  for (char c : id) {
    if (!(absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_' || c == '-')) {
      v->AddInvalid(std::string(field),
                    "may contain only letters A-Z a-z, digits and . _ - (e.g. jap-2020-01-08-7b)");
      return;
    }
  }
  if (!absl::ascii_isalnum(static_cast<unsigned char>(id.front()))) {
    v->AddInvalid(std::string(field), "must start with a letter or a digit");
  }
}

std::string CanonicalRequest(const pb::ArchivePaperRequest& req) {
  pb::ArchivePaperRequest copy(req);
  copy.DiscardUnknownFields();
  std::string out;
  {
    google::protobuf::io::StringOutputStream stream(&out);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    copy.SerializeToCodedStream(&coded);
  }
  return out;
}

absl::StatusOr<ArchiveJob> ConvertArchiveRequest(const pb::ArchivePaperRequest& req,
                                                 const text::FontSet& fonts, const Limits& limits,
                                                 size_t max_word_chars) {
  ArchiveJob job;
  Violations v;
  CheckPaperId(req.paper_id(), "paper_id", &v);
  if (!req.has_render()) {
    v.AddInvalid("render", "required");
  } else if (!req.render().has_paper()) {
    v.AddInvalid("render.paper", "required");
  } else {
    ConvertPaper(req.render().paper(), "render.paper", fonts, limits, &job.paper, &v);
  }
  if (max_word_chars > 0 && req.has_render()) {
    // Paths relative to the RenderPaperRequest ("paper...."): prefix them.
    Violations words;
    CheckWordLengths(req.render(), max_word_chars, &words);
    for (FieldViolation& f : words.invalid) v.AddInvalid("render." + f.field, f.description);
  }

  doc::SignOff so;
  doc::Date decision_date;
  bool date_ok = false;
  if (!req.has_sign_off()) {
    v.AddInvalid("sign_off", "required");
  } else {
    const pb::SignOffRecord& in = req.sign_off();
    const FieldPath p("sign_off");
    SignOffText(in.approved_by(), p, "approved_by", true, fonts, &v, &so.approved_by);
    SignOffText(in.role(), p, "role", false, fonts, &v, &so.role);
    SignOffText(in.meeting(), p, "meeting", false, fonts, &v, &so.meeting);
    SignOffText(in.decision_reference(), p, "decision_reference", true, fonts, &v,
                &so.decision_reference);
    if (in.decision_date().empty()) {
      v.AddInvalid("sign_off.decision_date", "required");
    } else if (!ParseDate(in.decision_date(), &decision_date)) {
      v.AddInvalid("sign_off.decision_date",
                   in.decision_date().size() == 10 && in.decision_date()[4] == '-'
                       ? absl::StrCat(in.decision_date(), " is not a real date")
                       : std::string(kDateFormat));
    } else {
      date_ok = true;
      so.decision_date = decision_date;
    }
  }
  if (!v.empty()) return v.ToStatus();

  job.paper_id = req.paper_id();
  job.compress_content = !req.render().options().uncompressed();
  job.paper.sign_off = so;
  if (!job.paper.metadata.created && date_ok) {
    job.paper.metadata.created = doc::Timestamp{
        absl::ToUnixSeconds(absl::FromCivil(decision_date, absl::UTCTimeZone()))};
  }
  job.record = {{"PaperId", job.paper_id}, {"ApprovedBy", so.approved_by}};
  if (!so.role.empty()) job.record.emplace_back("Role", so.role);
  job.record.emplace_back("DecisionDate", FormatDate(so.decision_date));
  if (!so.meeting.empty()) job.record.emplace_back("Meeting", so.meeting);
  job.record.emplace_back("DecisionReference", so.decision_reference);

  ArchiveEntry& e = job.entry;
  e.paper_id = job.paper_id;
  e.request = CanonicalRequest(req);
  e.request_sha256 = Sha256Hex(e.request);
  e.panel_name = job.paper.panel_name;
  e.meeting_date = FormatDate(job.paper.meeting_date);
  e.agenda_item = job.paper.agenda_item;
  e.title = job.paper.title;
  e.approved_by = so.approved_by;
  e.role = so.role;
  e.decision_date = FormatDate(so.decision_date);
  e.meeting = so.meeting;
  e.decision_reference = so.decision_reference;
  return job;
}

absl::StatusOr<RenderedPdf> RenderArchival(const ArchiveJob& job, const text::FontSet& fonts,
                                           const std::string& icc_profile, int max_pages,
                                           layout::InterruptCheck interrupt) {
  RenderOptions options;
  options.compress_content = job.compress_content;
  options.max_pages = max_pages;
  options.interrupt = std::move(interrupt);
  options.pdfa = pdf::PdfA{icc_profile, job.record};
  return RenderPaper(job.paper, fonts, options);
}

absl::StatusOr<std::string> FontsDigest(const text::FontSet& fonts, std::string_view icc_profile) {
  absl::StatusOr<std::string> manifest = FontsManifest(fonts);
  if (!manifest.ok()) return manifest.status();
  absl::StrAppend(&*manifest, "icc ", Sha256Hex(icc_profile), "\n");
  return Sha256Hex(*manifest);
}

void ToProto(const ArchiveEntry& e, pb::ArchivedPaper* out) {
  out->set_paper_id(e.paper_id);
  pb::PdfInfo* pdf = out->mutable_pdf();
  pdf->set_page_count(e.page_count);
  pdf->set_sha256(e.sha256);
  pdf->set_renderer_version(e.renderer_version);
  pdf->set_size_bytes(e.size_bytes);
  pb::SignOffRecord* so = out->mutable_sign_off();
  so->set_approved_by(e.approved_by);
  so->set_role(e.role);
  so->set_decision_date(e.decision_date);
  so->set_meeting(e.meeting);
  so->set_decision_reference(e.decision_reference);
  out->set_panel_name(e.panel_name);
  out->set_meeting_date(e.meeting_date);
  out->set_agenda_item(e.agenda_item);
  out->set_title(e.title);
  out->mutable_archived_at()->set_seconds(e.archived_at_millis / 1000);
  out->mutable_archived_at()->set_nanos(static_cast<int32_t>(e.archived_at_millis % 1000) * 1000000);
  out->set_archived_by(e.archived_by);
  out->set_request_sha256(e.request_sha256);
  out->set_fonts_sha256(e.fonts_sha256);
  out->set_renderer_identity(e.renderer_identity);
}

absl::StatusOr<ListQuery> ConvertListRequest(const pb::ListArchivedPapersRequest& req) {
  Violations v;
  ListQuery q;
  doc::Date from, to;
  const bool has_from = !req.meeting_date_from().empty();
  const bool has_to = !req.meeting_date_to().empty();
  if (has_from && !ParseDate(req.meeting_date_from(), &from)) {
    v.AddInvalid("meeting_date_from", kDateFormat);
  }
  if (has_to && !ParseDate(req.meeting_date_to(), &to)) {
    v.AddInvalid("meeting_date_to", kDateFormat);
  }
  if (v.empty() && has_from && has_to && req.meeting_date_from() > req.meeting_date_to()) {
    v.AddInvalid("meeting_date_to", "is before meeting_date_from");
  }
  if (req.panel_name().size() > kMaxSignOffBytes) {
    v.AddInvalid("panel_name", absl::StrCat("is ", req.panel_name().size(), " bytes; at most ",
                                            kMaxSignOffBytes));
  }
  if (!req.agenda_item().empty()) {
    // "7", "7b", "123z".
    const std::string& a = req.agenda_item();
    size_t digits = 0;
    while (digits < a.size() && absl::ascii_isdigit(static_cast<unsigned char>(a[digits]))) ++digits;
    const bool ok = digits >= 1 && digits <= 3 && a[0] != '0' &&
                    (a.size() == digits ||
                     (a.size() == digits + 1 && a[digits] >= 'a' && a[digits] <= 'z'));
    if (!ok) v.AddInvalid("agenda_item", "must be an agenda item such as 7 or 7b");
  }
  if (req.page_size() < 0 || req.page_size() > kMaxPageSize) {
    v.AddInvalid("page_size", absl::StrCat("must be 0 (the default, ", kDefaultPageSize, ") to ",
                                           kMaxPageSize));
  }
  if (!req.page_token().empty()) {
    std::string raw;
    std::vector<std::string> parts;
    if (absl::WebSafeBase64Unescape(req.page_token(), &raw)) {
      parts = absl::StrSplit(raw, '\n');
    }
    if (parts.size() != 4 || parts[0] != "1") {
      v.AddInvalid("page_token", "is not a page token this server issued");
    } else if (parts[1] != FilterKey(req)) {
      v.AddInvalid("page_token", "was issued for other filters; repeat the same filters when paging");
    } else {
      q.after_meeting_date = parts[2];
      q.after_paper_id = parts[3];
    }
  }
  if (!v.empty()) return v.ToStatus();
  q.panel_name = req.panel_name();
  q.meeting_date_from = req.meeting_date_from();
  q.meeting_date_to = req.meeting_date_to();
  q.agenda_item = req.agenda_item();
  q.limit = req.page_size() == 0 ? kDefaultPageSize : req.page_size();
  return q;
}

std::string NextPageToken(const pb::ListArchivedPapersRequest& req, const ArchiveEntry& last) {
  return absl::WebSafeBase64Escape(
      absl::StrCat("1\n", FilterKey(req), "\n", last.meeting_date, "\n", last.paper_id));
}

}  // namespace pp::service::archive
