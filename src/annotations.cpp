#include "tlrecon/annotations.hpp"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "tlrecon/csv.hpp"
#include "tlrecon/error.hpp"

namespace tlrecon {

namespace {

std::string trim(const std::string& s) {
  size_t a = s.find_first_not_of(" \t\r");
  size_t b = s.find_last_not_of(" \t\r");
  return a == std::string::npos ? "" : s.substr(a, b - a + 1);
}

}  // namespace

std::vector<Event> read_annotations(const std::string& path, const Window& window) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    throw usage_error("--annotate: '" + path + "' is a directory; give a file of events (CSV time,source,message "
                      "or JSON lines)");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    throw usage_error("--annotate: cannot open '" + path + "'; check the path and that it is readable");
  }
  std::vector<Event> out;
  std::string line;
  size_t number = 0;
  auto bad = [&](const std::string& why) {
    return usage_error("--annotate: " + path + " line " + std::to_string(number) + ": " + why);
  };
  while (std::getline(in, line)) {
    ++number;
    if (trim(line).empty() || line[0] == '#') {
      continue;
    }
    std::string time_text;
    Event e;
    e.origin = Origin::annotations;
    e.type = EventType::annotation;
    e.key = path.substr(path.find_last_of('/') + 1) + ":" + std::to_string(number);
    if (trim(line)[0] == '{') {
      nlohmann::json j;
      try {
        j = nlohmann::json::parse(line);
      } catch (const nlohmann::json::exception&) {
        throw bad("not valid JSON");
      }
      if (!j.is_object() || !j.contains("time") || !j["time"].is_string() || !j.contains("message") ||
          !j["message"].is_string()) {
        throw bad("expected {\"time\": \"…\", \"source\": \"…\", \"message\": \"…\"}");
      }
      time_text = j["time"].get<std::string>();
      e.source_type = j.contains("source") && j["source"].is_string() ? j["source"].get<std::string>() : "";
      e.message = j["message"].get<std::string>();
    } else {
      std::istringstream one(line);
      CsvReader reader(one, path);
      Row row;
      try {
        reader.next(row);
      } catch (const Error&) {
        throw bad("not valid CSV");
      }
      if (reader.fields() < 3) {
        throw bad("expected time,source,message");
      }
      time_text = trim(row[0].text);
      if (number == 1 && time_text == "time") {
        continue;  // a header line
      }
      e.source_type = trim(row[1].text);
      // An unquoted message keeps its commas: everything after the second field.
      std::string message = row[2].text;
      for (size_t i = 3; i < reader.fields(); ++i) {
        message += "," + row[i].text;
      }
      e.message = message;
    }
    auto t = parse_time(time_text);
    if (!t) {
      throw bad("cannot read '" + time_text + "' as a time; expected ISO-8601 such as 2025-10-16T17:34:02Z");
    }
    e.time = *t;
    e.place = *t < window.since ? Event::Place::before
              : *t >= window.until ? Event::Place::after : Event::Place::inside;
    out.push_back(std::move(e));
  }
  return out;
}

}  // namespace tlrecon
