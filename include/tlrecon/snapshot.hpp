#pragma once
// Snapshots preserve a window's rows before retention deletes them: one CSV
// file per table (the dialect of COPY … CSV HEADER) and manifest.json with
// the tool version, window, mapping, and per table its status, the queries,
// row count and SHA-256, and what its coverage says (notes; for system_logs
// its oldest row), and where the rows came from (source: server, database,
// role, WAL position). Reading one back verifies every checksum first.
#include <memory>
#include <string>

#include "tlrecon/error.hpp"
#include "tlrecon/source.hpp"

namespace tlrecon {

struct Provenance;

// The snapshot directory itself is wrong: not a directory, or for writing
// not empty or not creatable. The command layer adds which option named it.
class SnapshotPathError : public Error {
 public:
  using Error::Error;
};

struct SnapshotSummary {
  std::string dir;
  std::vector<TableInfo> tables;
  std::vector<std::string> files;  // written, in order
  std::string manifest_sha256;     // for the incident ticket: tlrecon verify prints it again
};

// Reads every ok table of `source` and writes the snapshot into `dir`,
// which must not exist or be empty (else SnapshotPathError, exit 2). The
// manifest records `provenance` as its source (null when not given). Throws Error.
SnapshotSummary write_snapshot(Source& source, const Mapping& mapping, const Window& window,
                               const std::string& dir, const Provenance* provenance = nullptr);

struct VerifiedSnapshot {
  std::vector<std::string> files;  // checked against the manifest, in its order
  std::string manifest_sha256;
};

// Re-checks every file a snapshot's manifest lists: present, its SHA-256 and
// its row count. Throws Error (exit 3) naming each file that is missing or
// altered; SnapshotPathError (exit 3) when `dir` is not a directory.
VerifiedSnapshot verify_snapshot(const std::string& dir);

struct SnapshotInfo {
  Window window;
  Mapping mapping;  // the tables as they were read when the snapshot was taken
};

// Reads and verifies a snapshot's manifest and files. Throws Error (exit 3)
// naming the file that is missing, unreadable or altered; SnapshotPathError
// (exit 3) when `dir` is not a directory.
SnapshotInfo read_snapshot_manifest(const std::string& dir);

// Every row of the snapshot, as written.
std::unique_ptr<Source> open_snapshot(const std::string& dir);
// The rows a command with this mapping and window (inside the snapshot's)
// reads: as the database would hand them over for that window, but for the
// log lines of the recent range before it, which come whole (the decoder
// takes what it needs of them). So a narrower window gives the findings the
// database gives for it.
// When each file is checked against its SHA-256: `before_reading`, all of
// them when the snapshot is opened (for a command that prints as it reads);
// `while_reading`, system_logs as it is read, on a second thread, and
// checked by Source::finish() (or as soon as reading it fails), which throws
// the same error: for a command that prints only after the last row.
enum class SnapshotCheck { before_reading, while_reading };
std::unique_ptr<Source> open_snapshot(const std::string& dir, const Mapping& mapping, const Window& window,
                                      SnapshotCheck check = SnapshotCheck::before_reading);

}  // namespace tlrecon
