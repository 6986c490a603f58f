#include "service/word_guard.h"

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/reflection.h"
#include "service/field_path.h"

namespace pp::service {
namespace {

using google::protobuf::Descriptor;
using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using google::protobuf::Reflection;

class Guard {
 public:
  Guard(size_t max_chars, Violations* v) : max_(max_chars), v_(v) {}

  void Walk(const Message& msg, const FieldPath& path) {
    const Reflection* r = msg.GetReflection();
    fields_.clear();
    r->ListFields(msg, &fields_);
    // ListFields reuses fields_: copy before recursing.
    const std::vector<const FieldDescriptor*> fields = fields_;
    for (const FieldDescriptor* f : fields) {
      if (f->type() == FieldDescriptor::TYPE_STRING) {
        if (f->is_repeated()) {
          const int n = r->FieldSize(msg, f);
          for (int i = 0; i < n; ++i) {
            std::string scratch;
            Flow flow;
            Scan(r->GetRepeatedStringReference(msg, f, i, &scratch), path.Field(f->name(), i), &flow);
          }
        } else {
          std::string scratch;
          Flow flow;
          Scan(r->GetStringReference(msg, f, &scratch), path.Field(f->name()), &flow);
        }
      } else if (f->type() == FieldDescriptor::TYPE_MESSAGE) {
        if (f->is_repeated()) {
          const int n = r->FieldSize(msg, f);
          const bool runs = f->message_type()->full_name() == "panelpaper.v1.Run";
          Flow flow;  // a word runs on across the runs of one field
          for (int i = 0; i < n; ++i) {
            const Message& child = r->GetRepeatedMessage(msg, f, i);
            const FieldPath child_path = path.Field(f->name(), i);
            if (runs) {
              ScanRun(child, child_path, &flow);
            } else {
              Walk(child, child_path);
            }
          }
        } else {
          Walk(r->GetMessage(msg, f), path.Field(f->name()));
        }
      }
    }
  }

 private:
  struct Flow {
    size_t word = 0;        // characters in the current word
    bool reported = false;  // this word was already reported
  };

  void ScanRun(const Message& run, const FieldPath& path, Flow* flow) {
    const Descriptor* d = run.GetDescriptor();
    const Reflection* r = run.GetReflection();
    for (int i = 0; i < d->field_count(); ++i) {
      const FieldDescriptor* f = d->field(i);
      if (f->type() != FieldDescriptor::TYPE_STRING || f->is_repeated()) continue;
      std::string scratch;
      // Only `text` is laid out as a flow; `link` is a separate string.
      if (f->name() == "text") {
        Scan(r->GetStringReference(run, f, &scratch), path.Field(f->name()), flow);
      } else {
        Flow own;
        Scan(r->GetStringReference(run, f, &scratch), path.Field(f->name()), &own);
      }
    }
  }

  void Scan(const std::string& text, const FieldPath& path, Flow* flow) {
    if (text.size() + flow->word <= max_) {
      // No word can cross the limit here: only the open word at the end
      // matters for what follows.
      const size_t last = text.find_last_of(" \n");
      if (last != std::string::npos) {
        flow->word = 0;
        flow->reported = false;
      }
      for (size_t i = last == std::string::npos ? 0 : last + 1; i < text.size(); ++i) {
        if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) ++flow->word;
      }
      return;
    }
    for (char c : text) {
      if (c == ' ' || c == '\n') {
        flow->word = 0;
        flow->reported = false;
        continue;
      }
      if ((static_cast<unsigned char>(c) & 0xC0) == 0x80) continue;  // UTF-8 continuation
      if (++flow->word > max_ && !flow->reported) {
        flow->reported = true;
        v_->AddInvalid(path.str(),
                       absl::StrCat("a word longer than ", max_,
                                    " characters (no space or line break); the renderer "
                                    "refuses such words: add spaces"));
      }
    }
  }

  const size_t max_;
  Violations* v_;
  std::vector<const FieldDescriptor*> fields_;
};

}  // namespace

void CheckWordLengths(const Message& msg, size_t max_chars, Violations* v) {
  Guard(max_chars, v).Walk(msg, FieldPath(""));
}

}  // namespace pp::service
