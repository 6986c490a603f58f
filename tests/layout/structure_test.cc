// Tests of the logical structure layout assigns (PageLayout::structure, the
// node of every text item and link; LAYOUT.md §14): headings, paragraphs,
// lists, tables, links and languages; one element for content continued on
// the next page; furniture, repeated headers and added hyphens as
// artifacts; the agenda pack's TOC and Sects. Measured with the fake fonts.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "renderers/layout/compose.h"
#include "renderers/layout/measure.h"
#include "renderers/layout/pack.h"
#include "tests/testing/builders.h"
#include "tests/testing/fake_fonts.h"
#include "tests/testing/status_matchers.h"

namespace pp::layout {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

// The tree as indented lines "Type[ attrs]: text", the text being the
// node's own text items in painting order (pages in order), joined.
std::string Dump(const PageLayout& l) {
  const std::vector<StructNode>& nodes = l.structure.nodes;
  std::vector<std::string> text(nodes.size());
  for (const Page& p : l.pages) {
    for (const TextItem& t : p.texts) {
      if (t.node >= 0) text[static_cast<size_t>(t.node)] += t.text;
    }
  }
  std::vector<std::vector<int>> kids(nodes.size());
  for (size_t i = 1; i < nodes.size(); ++i) kids[static_cast<size_t>(nodes[i].parent)].push_back(static_cast<int>(i));
  std::string out;
  std::vector<std::pair<int, int>> stack = {{0, 0}};
  while (!stack.empty()) {
    const auto [n, depth] = stack.back();
    stack.pop_back();
    const StructNode& node = nodes[static_cast<size_t>(n)];
    absl::StrAppend(&out, std::string(2 * depth, ' '), StructTypeName(node.type));
    if (node.scope == StructNode::Scope::kColumn) out += " scope=Column";
    if (node.scope == StructNode::Scope::kRow) out += " scope=Row";
    if (node.column_span > 1) absl::StrAppend(&out, " colspan=", node.column_span);
    if (!node.lang.empty()) absl::StrAppend(&out, " lang=", node.lang);
    if (!node.alt.empty()) absl::StrAppend(&out, " alt=", node.alt);
    if (!text[static_cast<size_t>(n)].empty()) absl::StrAppend(&out, ": ", text[static_cast<size_t>(n)]);
    out += "\n";
    const std::vector<int>& k = kids[static_cast<size_t>(n)];
    for (auto it = k.rbegin(); it != k.rend(); ++it) stack.push_back({*it, depth + 1});
  }
  return out;
}

// Pages on which a node has text.
std::set<int> PagesOf(const PageLayout& l, int node) {
  std::set<int> out;
  for (size_t i = 0; i < l.pages.size(); ++i) {
    for (const TextItem& t : l.pages[i].texts) {
      if (t.node == node) out.insert(static_cast<int>(i));
    }
  }
  return out;
}

int Count(const PageLayout& l, StructType type) {
  int n = 0;
  for (const StructNode& s : l.structure.nodes) n += s.type == type;
  return n;
}

doc::ListItem Item(std::string text) {
  doc::ListItem i;
  i.runs = test::Plain(std::move(text));
  return i;
}

// A paper with every kind of block.
doc::Paper FullPaper() {
  doc::Paper p = test::MinimalPaper();
  p.organisation_lines = {"MAYOR OF LONDON", "OFFICE FOR POLICING AND CRIME"};
  p.report_by = "The Chief";
  p.agenda_item = "7b";
  doc::ReportSummary sum;
  sum.purpose.push_back(test::Para("Why we report."));
  sum.key_considerations = {Item("First point."), Item("Second point.")};
  doc::Recommendations rec;
  rec.lead_in = test::Plain("The Panel is asked to:");
  rec.items = {Item("Note this.")};
  sum.recommendations = rec;
  p.summary = sum;
  doc::Section& s = p.sections[0];
  s.numbered_paragraphs = true;
  doc::Paragraph linked;
  linked.runs.push_back({"See ", false, false, ""});
  linked.runs.push_back({"the guide", false, false, "https://example.org/guide"});
  linked.runs.push_back({" and ", false, false, ""});
  doc::Run welsh{"Croeso", false, false, ""};
  welsh.language = "cy";
  linked.runs.push_back(welsh);
  s.blocks.push_back(linked);
  doc::Subheading h;
  h.text = "A sub-heading";
  s.blocks.push_back(h);
  doc::List list;
  list.items = {Item("Outer")};
  doc::List inner;
  inner.items = {Item("Inner")};
  list.items[0].sublists.push_back(inner);
  s.blocks.push_back(list);
  doc::Table t;
  t.column_widths = {1, 1};
  t.header_rows = 1;
  t.caption = "Table 1";
  for (const char* a : {"Head A", "Body A"}) {
    doc::TableRow r;
    doc::TableCell c1, c2;
    c1.paragraphs.push_back(test::Para(a));
    c2.paragraphs.push_back(test::Para(std::string(a) + "2"));
    r.cells = {c1, c2};
    t.rows.push_back(r);
  }
  s.blocks.push_back(t);
  doc::ImprovementTable it;
  doc::ImprovementGroup g;
  g.name = "Priority";
  doc::ImprovementArea area;
  area.name = "Capability";
  area.status = "Red";
  area.lead = "AC";
  area.aim = test::Plain("An aim.");
  area.main_issue = test::Plain("An issue.");
  area.actions.push_back({"IA1", test::Plain("Act."), ""});
  area.progress.push_back(test::Para("Progress made."));
  g.areas.push_back(area);
  it.groups.push_back(g);
  s.blocks.push_back(it);
  return p;
}

TEST(Structure, PaperReadsTitleSummarySectionsListsTablesAndLinksInOrder) {
  auto l = LayoutPaper(FullPaper(), *test::FakeFonts(), {});
  ASSERT_THAT(l.status(), test::IsOk());
  const std::string tree = Dump(*l);
  EXPECT_EQ(tree.substr(0, tree.find("  H2: Report Summary")),
            "Document\n"
            "  P: MAYOR OF LONDON OFFICE FOR POLICING AND CRIME\n"
            "  P: " + test::MinimalPaper().panel_name + "\n"
            "  P: Wednesday 8 January 2020\n"
            "  H1: " + test::MinimalPaper().title + "\n"
            "  P: Report by: The Chief\n")
      << tree;
  EXPECT_THAT(tree, HasSubstr("  H2: Report Summary\n"
                              "  H3: Overall Summary of the Purpose of the Report\n"
                              "  P: Why we report.\n"
                              "  H3: Key Considerations for the Panel\n"
                              "  L\n"
                              "    LI\n"
                              "      Lbl: \xE2\x80\xA2\n"
                              "      LBody: First point.\n"));
  EXPECT_THAT(tree, HasSubstr("  H3: Recommendations\n"
                              "  P: The Panel is asked to:\n"
                              "  L\n"
                              "    LI\n"
                              "      Lbl: a.\n"
                              "      LBody: Note this.\n"));
  // The section heading and numbered paragraphs carry their numbers; a
  // link and a Welsh run are elements inside the paragraph.
  EXPECT_THAT(tree, HasSubstr("  H2: 1. " + test::MinimalPaper().sections[0].heading + "\n"));
  EXPECT_THAT(tree, HasSubstr("  P: 1.2. See  and \n"
                              "    Link alt=https://example.org/guide: the guide\n"
                              "    Span lang=cy: Croeso\n"
                              "  H3: A sub-heading\n"));
  // A nested list sits in its item's LBody.
  EXPECT_THAT(tree, HasSubstr("    LI\n"
                              "      Lbl: \xE2\x80\xA2\n"
                              "      LBody: Outer\n"
                              "        L\n"
                              "          LI\n"
                              "            Lbl: \xE2\x80\x93\n"
                              "            LBody: Inner\n"));
  EXPECT_THAT(tree, HasSubstr("  Table\n"
                              "    Caption: Table 1\n"
                              "    THead\n"
                              "      TR\n"
                              "        TH scope=Column: Head A\n"
                              "        TH scope=Column: Head A2\n"
                              "    TBody\n"
                              "      TR\n"
                              "        TD: Body A\n"
                              "        TD: Body A2\n"));
  // The improvement table: column headers, the group band as a row
  // header, the status word in a TD.
  EXPECT_THAT(tree, HasSubstr("    THead\n"
                              "      TR\n"
                              "        TH scope=Column: Improvement area and actions\n"
                              "        TH scope=Column: Progress\n"
                              "        TH scope=Column: Status\n"
                              "    TBody\n"
                              "      TR\n"
                              "        TH scope=Row colspan=3: Priority\n"
                              "      TR\n"
                              "        TD colspan=2: Capability\n"
                              "        TD: Red\n"
                              "      TR\n"
                              "        TD colspan=3: Lead: AC\n"));
}

TEST(Structure, FurnitureIsArtifactsAndEveryBodyTextHasAnElement) {
  doc::Paper p = test::PaperWithParagraphs(30, 60);
  p.agenda_item = "7b";
  auto l = LayoutPaper(p, *test::FakeFonts(), {});
  ASSERT_THAT(l.status(), test::IsOk());
  ASSERT_GT(l->pages.size(), 2u);
  const HouseStyle s;
  for (size_t i = 0; i < l->pages.size(); ++i) {
    for (const TextItem& t : l->pages[i].texts) {
      const bool furniture = t.y > s.page_height - s.margin_top || t.y < s.margin_bottom;
      if (furniture) {
        EXPECT_EQ(t.node, -1) << "page " << i << ": " << t.text;
      } else {
        EXPECT_GT(t.node, 0) << "page " << i << ": " << t.text;
      }
    }
  }
  EXPECT_THAT(Dump(*l), Not(HasSubstr("AGENDA ITEM")));
}

// A paragraph continued on the next page is one P with text on both.
TEST(Structure, ParagraphContinuedOnTheNextPageStaysOneElement) {
  auto l = LayoutPaper(test::PaperWithParagraphs(12, 120), *test::FakeFonts(), {});
  ASSERT_THAT(l.status(), test::IsOk());
  ASSERT_GT(l->pages.size(), 1u);
  // Title block: three P (panel, date) and the H1; then one P a paragraph.
  EXPECT_EQ(Count(*l, StructType::kP), 12 + 2);
  int continued = 0;
  for (size_t n = 0; n < l->structure.nodes.size(); ++n) {
    if (PagesOf(*l, static_cast<int>(n)).size() > 1) ++continued;
  }
  EXPECT_GE(continued, 1);
}

// The marking's first occurrence (top of page 1) is content, read first;
// every other occurrence is an artifact.
TEST(Structure, FirstProtectiveMarkingIsContentTheRepeatsArtifacts) {
  doc::Paper p = test::PaperWithParagraphs(20, 60);
  p.protective_marking = "OFFICIAL-SENSITIVE";
  auto l = LayoutPaper(p, *test::FakeFonts(), {});
  ASSERT_THAT(l.status(), test::IsOk());
  ASSERT_GT(l->pages.size(), 1u);
  const std::vector<StructNode>& nodes = l->structure.nodes;
  ASSERT_GT(nodes.size(), 1u);
  EXPECT_EQ(nodes[1].parent, 0);
  EXPECT_EQ(nodes[1].type, StructType::kP);
  int content = 0, artifacts = 0;
  for (size_t i = 0; i < l->pages.size(); ++i) {
    for (const TextItem& t : l->pages[i].texts) {
      if (t.text.rfind("OFFICIAL-SENSITIVE", 0) != 0) continue;
      if (t.node == 1) {
        ++content;
        EXPECT_EQ(i, 0u);
        EXPECT_GT(t.y, HouseStyle{}.page_height / 2);  // the top one
      } else {
        EXPECT_EQ(t.node, -1);
        ++artifacts;
      }
    }
  }
  EXPECT_EQ(content, 1);
  EXPECT_EQ(artifacts, 2 * static_cast<int>(l->pages.size()) - 1);
}

// A table over several pages: its header rows are content on the first
// page only (artifacts where repeated); every body row's cells are one TR's
// TDs, a split row keeping its elements on both pages.
TEST(Structure, RepeatedTableHeaderIsAnArtifactAndRowsKeepTheirElements) {
  doc::Paper p = test::MinimalPaper();
  doc::Table t;
  t.column_widths = {1, 1};
  t.header_rows = 1;
  for (int i = 0; i < 80; ++i) {
    doc::TableRow r;
    doc::TableCell a, b;
    a.paragraphs.push_back(test::Para(i == 0 ? "HEADCELL" : absl::StrCat("row", i)));
    b.paragraphs.push_back(test::Para(i == 0 ? "HEADTWO" : absl::StrCat("value", i)));
    r.cells = {a, b};
    t.rows.push_back(r);
  }
  p.sections[0].blocks.push_back(t);
  auto l = LayoutPaper(p, *test::FakeFonts(), {});
  ASSERT_THAT(l.status(), test::IsOk());
  ASSERT_GT(l->pages.size(), 1u);
  int tagged_heads = 0, artifact_heads = 0;
  for (size_t i = 0; i < l->pages.size(); ++i) {
    for (const TextItem& item : l->pages[i].texts) {
      if (item.text.rfind("HEADCELL", 0) != 0) continue;
      (item.node >= 0 ? tagged_heads : artifact_heads)++;
      EXPECT_EQ(item.node >= 0, i == 0) << "page " << i;
    }
  }
  EXPECT_EQ(tagged_heads, 1);
  EXPECT_EQ(artifact_heads, static_cast<int>(l->pages.size()) - 1);
  EXPECT_EQ(Count(*l, StructType::kTable), 1);
  EXPECT_EQ(Count(*l, StructType::kTR), 80);
  EXPECT_EQ(Count(*l, StructType::kTH), 2);
  EXPECT_EQ(Count(*l, StructType::kTD), 79 * 2);
}

// A word broken between characters reads whole: its added hyphen is an
// artifact of its own, drawn where it was measured.
TEST(Structure, AddedHyphenIsAnArtifactAndTheWordReadsWhole) {
  const std::string word = "Professionalisation";
  const text::Span span{word, text::Style::kRegular, -1};
  const std::vector<text::Line> lines = text::BreakLines({&span, 1}, *test::FakeFonts(), 12, 50);
  ASSERT_GT(lines.size(), 1u);
  Page page;
  for (const text::Line& line : lines) DrawLine(line, {}, 12, {0, 0, 0}, 0, 0, &page, 7);
  std::string content;
  int hyphens = 0;
  for (const TextItem& t : page.texts) {
    if (t.node == 7) content += t.text;
    if (t.node == -1) {
      EXPECT_EQ(t.text, "-");
      ++hyphens;
      EXPECT_DOUBLE_EQ(t.width, 6);  // the fake face: 6 pt a character at 12 pt
    }
  }
  EXPECT_EQ(content, word);
  EXPECT_EQ(hyphens, static_cast<int>(lines.size()) - 1);
  // A soft hyphen drawn at a break is an added hyphen too.
  const std::string soft = "Profession\xC2\xAD" "alisation";
  const text::Span span2{soft, text::Style::kRegular, -1};
  const std::vector<text::Line> lines2 = text::BreakLines({&span2, 1}, *test::FakeFonts(), 12, 70);
  ASSERT_EQ(lines2.size(), 2u);
  Page page2;
  for (const text::Line& line : lines2) DrawLine(line, {}, 12, {0, 0, 0}, 0, 0, &page2, 7);
  content.clear();
  for (const TextItem& t : page2.texts) {
    if (t.node == 7) content += t.text;
  }
  EXPECT_EQ(content, "Professionalisation");
}

// A link broken across lines is one Link element (its text the exact
// URL) with an annotation per line, each naming it.
TEST(Structure, LinkBrokenAcrossLinesIsOneElement) {
  doc::Paper p = test::MinimalPaper();
  const std::string url = "https://www.london.gov.uk/what-we-do/mayors-office-policing-and-crime-mopac";
  doc::Paragraph para;
  para.runs.push_back({url, false, false, url});
  p.sections[0].blocks = {para};
  LayoutOptions o;
  o.style.margin_right = o.style.page_width - o.style.margin_left - 150;  // a narrow column
  auto l = LayoutPaper(p, *test::FakeFonts(), o);
  ASSERT_THAT(l.status(), test::IsOk());
  int link = -1;
  for (size_t n = 0; n < l->structure.nodes.size(); ++n) {
    if (l->structure.nodes[n].type == StructType::kLink) {
      EXPECT_EQ(link, -1) << "one Link";
      link = static_cast<int>(n);
    }
  }
  ASSERT_GE(link, 0);
  std::string text;
  int annotations = 0;
  for (const Page& page : l->pages) {
    for (const TextItem& t : page.texts) {
      if (t.node == link) text += t.text;
    }
    for (const LinkItem& li : page.links) {
      EXPECT_EQ(li.node, link);
      ++annotations;
    }
  }
  EXPECT_EQ(text, url);
  EXPECT_GT(annotations, 1);
}

TEST(Structure, UntaggedWithoutATree) {
  absl::StatusOr<std::vector<FlowPtr>> flows =
      MeasurePaper(test::MinimalPaper(), *test::FakeFonts(), HouseStyle{});
  ASSERT_THAT(flows.status(), test::IsOk());
  Page page;
  DrawContext ctx{&page, 0, nullptr};
  for (const FlowPtr& f : *flows) f->Draw(ctx, 0, 800);
  for (const TextItem& t : page.texts) EXPECT_EQ(t.node, -1) << t.text;
}

// ---- Agenda packs ----------------------------------------------------------------

doc::PackItem PackItem(std::string number, std::string title, std::optional<doc::Paper> paper,
                       doc::Part part = doc::Part::kOne) {
  doc::PackItem item;
  item.number = std::move(number);
  item.title = std::move(title);
  item.paper = std::move(paper);
  item.part = part;
  item.exempt_paragraph = part == doc::Part::kTwo ? 7 : 0;
  item.path = "items[" + item.number + "]";
  return item;
}

doc::Pack SmallPack(doc::Edition edition) {
  doc::Pack pack;
  pack.meeting.panel_name = "JOINT AUDIT PANEL";
  pack.meeting.date = doc::Date(2020, 1, 8);
  pack.first_page_number = 161;
  pack.edition = edition;
  pack.duplex = true;
  pack.items.push_back(PackItem("1", "Apologies", std::nullopt));
  doc::Paper a = test::PaperWithParagraphs(3, 20);
  a.title = "Paper A";
  pack.items.push_back(PackItem("2", "Item A", a));
  doc::Paper b = test::PaperWithParagraphs(3, 20);
  b.title = "Secret paper";
  pack.items.push_back(PackItem("3", "Item B", b, doc::Part::kTwo));
  return pack;
}

TEST(Structure, PackFrontSheetIsAnAgendaTocAndEachPaperASect) {
  std::vector<ItemPlacement> placed;
  auto l = LayoutPack(SmallPack(doc::Edition::kMembers), *test::FakeFonts(), {}, &placed);
  ASSERT_THAT(l.status(), test::IsOk());
  const std::string tree = Dump(*l);
  EXPECT_THAT(tree, HasSubstr("Document\n  H1: AGENDA\n  P: JOINT AUDIT PANEL\n"));
  EXPECT_THAT(tree, HasSubstr("  TOC\n"
                              "    TOCI\n"
                              "      Lbl: 1.\n"
                              "      P: Apologies\n"
                              "    TOCI\n"
                              "      Lbl: 2.\n"
                              "      Link alt=Item 2: Item A (Page 163): Item A (Page 163)\n"));
  EXPECT_EQ(placed[1].first_page, 163);  // after the front sheet and a blank verso
  EXPECT_EQ(placed[1].last_page, 163);
  // Part II: its own heading and TOC; the paper included in this edition.
  EXPECT_THAT(tree, HasSubstr("  TOC\n    TOCI\n      Lbl: 3.\n      Link alt=Item 3: Item B"));
  // One Sect per included paper, its first heading the paper's title; the
  // Part II paper's marking is read first in it.
  EXPECT_THAT(tree, HasSubstr("  Sect\n    P: " + test::MinimalPaper().panel_name +
                              "\n    P: Wednesday 8 January 2020\n    H1: Paper A\n"));
  EXPECT_THAT(tree, HasSubstr("  Sect\n    P: OFFICIAL-SENSITIVE\n    P: " +
                              test::MinimalPaper().panel_name));
  EXPECT_EQ(Count(*l, StructType::kSect), 2);
  // The agenda's links name their Link elements.
  for (const LinkItem& li : l->pages[0].links) {
    ASSERT_GE(li.node, 0);
    EXPECT_EQ(l->structure.nodes[static_cast<size_t>(li.node)].type, StructType::kLink);
  }
  // Blank versos (duplex) hold artifacts only.
  int blank = 0;
  for (const Page& page : l->pages) {
    if (test::PageText(page).find("intentionally left blank") == std::string::npos) continue;
    ++blank;
    for (const TextItem& t : page.texts) EXPECT_EQ(t.node, -1) << t.text;
  }
  EXPECT_GE(blank, 1);
}

TEST(Structure, PublicEditionListsPartTwoAsReadableTextWithoutALink) {
  auto l = LayoutPack(SmallPack(doc::Edition::kPublic), *test::FakeFonts(), {});
  ASSERT_THAT(l.status(), test::IsOk());
  const std::string tree = Dump(*l);
  EXPECT_THAT(tree, HasSubstr("      Lbl: 3.\n      P: Item B Exempt information: paragraph 7"));
  EXPECT_EQ(Count(*l, StructType::kSect), 1);
  EXPECT_THAT(tree, Not(HasSubstr("Secret paper")));
}

TEST(Structure, PaperLanguageIsTheDocumentsAndASectsWhenItDiffers) {
  doc::Paper p = test::MinimalPaper();
  p.language = "cy";
  auto l = LayoutPaper(p, *test::FakeFonts(), {});
  ASSERT_THAT(l.status(), test::IsOk());
  EXPECT_EQ(l->lang, "cy");
  doc::Pack pack = SmallPack(doc::Edition::kPublic);
  pack.items[1].paper->language = "cy";
  auto pl = LayoutPack(pack, *test::FakeFonts(), {});
  ASSERT_THAT(pl.status(), test::IsOk());
  EXPECT_EQ(pl->lang, "en-GB");
  EXPECT_THAT(Dump(*pl), HasSubstr("  Sect lang=cy\n"));
}

}  // namespace
}  // namespace pp::layout
