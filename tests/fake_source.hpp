#pragma once
// An in-memory Source for unit tests of pure logic: rows given as strings,
// "\\N" meaning NULL. The database path is tested end to end against a real
// PostgreSQL (tests/e2e).
#include <algorithm>
#include <map>
#include <tuple>

#include "tlrecon/analysis.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon::test {

class FakeSource : public Source {
 public:
  FakeSource() {
    for (TableId t : k_all_tables) {
      TableInfo info;
      info.id = t;
      info.relation = table_name(t);
      info.state = TableState::missing;
      info.reason = "table " + info.relation + " does not exist";
      m_tables.push_back(info);
    }
  }
  // Adds a row of the table (fields in the order of field_names()).
  void add(TableId t, std::vector<std::string> values) {
    m_tables[static_cast<int>(t)].state = TableState::ok;
    values.resize(field_names(t).size(), "\\N");
    m_rows[t].push_back(std::move(values));
  }
  void declare(TableId t) { m_tables[static_cast<int>(t)].state = TableState::ok; }
  // What a retention job leaves: system_logs begins at `t`.
  void set_logs_kept_since(Time t) { m_tables[static_cast<int>(TableId::system_logs)].kept_since = t; }
  const std::vector<TableInfo>& tables() const override { return m_tables; }
  // What the catalog checks of a real source would find (states, notes).
  std::vector<TableInfo>& catalog() { return m_tables; }
  // Rows come in the order of the SQL's ORDER BY time, key. The timestamps
  // here are all "YYYY-MM-DD HH:MM:SS+00", so text order is time order.
  std::unique_ptr<RowStream> open(TableId t) override {
    auto& rows = m_rows[t];
    int tf = time_field(t);
    std::stable_sort(rows.begin(), rows.end(), [tf](const auto& a, const auto& b) {
      return std::tie(a[tf], a[0]) < std::tie(b[tf], b[0]);
    });
    return std::make_unique<Stream>(rows);
  }

 protected:
  // Streams rows given as strings ("\\N": NULL); the rows must outlive it.
  class Stream : public RowStream {
   public:
    explicit Stream(const std::vector<std::vector<std::string>>& rows) : m_rows(rows) {}
    bool next(Row& row) override {
      if (m_pos == m_rows.size()) {
        return false;
      }
      const auto& values = m_rows[m_pos++];
      row.resize(values.size());
      for (size_t i = 0; i < values.size(); ++i) {
        row[i].null = values[i] == "\\N";
        row[i].text = row[i].null ? "" : values[i];
      }
      return true;
    }

   private:
    const std::vector<std::vector<std::string>>& m_rows;
    size_t m_pos = 0;
  };

 private:
  std::vector<TableInfo> m_tables;
  std::map<TableId, std::vector<std::vector<std::string>>> m_rows;
};

// The findings of one kind, in id order.
inline std::vector<const Finding*> of_kind(const Analysis& a, const std::string& kind) {
  std::vector<const Finding*> out;
  for (const Finding& f : a.findings) {
    if (f.kind == kind) {
      out.push_back(&f);
    }
  }
  return out;
}

}  // namespace tlrecon::test
