#include "renderers/layout/page_layout.h"

namespace pp::layout {

const char* StructTypeName(StructType type) {
  switch (type) {
    case StructType::kDocument: return "Document";
    case StructType::kPart: return "Part";
    case StructType::kSect: return "Sect";
    case StructType::kH1: return "H1";
    case StructType::kH2: return "H2";
    case StructType::kH3: return "H3";
    case StructType::kP: return "P";
    case StructType::kL: return "L";
    case StructType::kLI: return "LI";
    case StructType::kLbl: return "Lbl";
    case StructType::kLBody: return "LBody";
    case StructType::kTable: return "Table";
    case StructType::kTHead: return "THead";
    case StructType::kTBody: return "TBody";
    case StructType::kTR: return "TR";
    case StructType::kTH: return "TH";
    case StructType::kTD: return "TD";
    case StructType::kCaption: return "Caption";
    case StructType::kLink: return "Link";
    case StructType::kSpan: return "Span";
    case StructType::kNote: return "Note";
    case StructType::kTOC: return "TOC";
    case StructType::kTOCI: return "TOCI";
  }
  return "NonStruct";
}

int StructTree::Graft(const StructTree& other, int parent, StructType root_type) {
  const int offset = static_cast<int>(nodes.size());
  nodes.reserve(nodes.size() + other.nodes.size());
  for (size_t i = 0; i < other.nodes.size(); ++i) {
    StructNode n = other.nodes[i];
    if (i == 0) {
      n.type = root_type;
      n.parent = parent;
    } else {
      n.parent += offset;
    }
    nodes.push_back(std::move(n));
  }
  return offset;
}

void ShiftNodes(Page* page, int offset) {
  for (TextItem& t : page->texts) {
    if (t.node >= 0) t.node += offset;
  }
  for (LinkItem& l : page->links) {
    if (l.node >= 0) l.node += offset;
  }
}

}  // namespace pp::layout
