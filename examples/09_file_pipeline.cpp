// flytecache — a three-step pipeline over files
// SPDX-License-Identifier: MIT
// A three-step pipeline over files: each step reruns exactly when the bytes it reads change
// (content_file inputs), and cached output files belong to the cache.
#include <flytecache/flytecache.hpp>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <map>
#include <sstream>
#include <string>

namespace fc = flytecache;
namespace fs = std::filesystem;

namespace {

std::string read_text(const fs::path& p) {
    std::ifstream in(p, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

void write_text(const fs::path& p, const std::string& text) {
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary | std::ios::trunc) << text;
}

} // namespace

int main() {
    const fs::path root = fs::temp_directory_path() / "flytecache-example-09";
    fs::remove_all(root);
    const fs::path work = root / "work"; // every step writes its output to the same path each run
    std::map<std::string, int> runs;

    // Step 1: drop comment lines from the raw data. Its parameter is a content_file: the call's
    // key is the file's bytes, so rewriting raw.csv with new data is a new call, and moving it
    // is not.
    auto clean = fc::task<fc::inputs<"raw">>(
        "pipeline.clean",
        [&runs, work](const fc::content_file& raw) {
            ++runs["clean"];
            std::istringstream in(read_text(raw.path()));
            std::string out;
            for (std::string line; std::getline(in, line);) {
                if (!line.empty() && line[0] != '#') out += line + '\n';
            }
            write_text(work / "clean.csv", out);
            return fc::file(work / "clean.csv", "csv"); // the cache keeps a copy of this file
        },
        {.cache = true, .cache_version = "1"});

    // Step 2: sum the values. Its input is step 1's output file, by content.
    auto summarize =
        fc::task<fc::inputs<"clean">>("pipeline.summarize",
                                      [&runs, work](const fc::content_file& clean_csv) {
                                          ++runs["summarize"];
                                          std::istringstream in(read_text(clean_csv.path()));
                                          std::int64_t sum = 0;
                                          for (std::string line; std::getline(in, line);)
                                              sum += std::stoll(line);
                                          write_text(work / "summary.txt", std::to_string(sum));
                                          return fc::file(work / "summary.txt");
                                      },
                                      {.cache = true, .cache_version = "1"});

    // Step 3: a report line from the summary and a title (a plain value input).
    auto report = fc::task<fc::inputs<"summary", "title">>(
        "pipeline.report",
        [&runs](const fc::content_file& summary, const std::string& title) {
            ++runs["report"];
            return title + ": " + read_text(summary.path());
        },
        {.cache = true, .cache_version = "1"});

    fc::executor exec(fc::sqlite_store(root / "cache"));
    const auto pipeline = [&](const std::string& title) {
        runs.clear();
        const fc::file cleaned = exec.run(clean, fc::hashed_file(root / "raw.csv"));
        const fc::file summary = exec.run(summarize, cleaned);
        const std::string line = exec.run(report, summary, title);
        std::cout << line << "  (ran: clean " << runs["clean"] << ", summarize "
                  << runs["summarize"] << ", report " << runs["report"] << ")\n";
    };

    write_text(root / "raw.csv", "# sensor A\n1\n2\n3\n");
    pipeline("total"); // first run: every step runs
    pipeline("total"); // nothing changed: nothing runs
    pipeline("sum");   // only the title: only the report
    write_text(root / "raw.csv", "# sensor A, recalibrated\n1\n2\n3\n"); // a comment only
    pipeline("sum"); // clean reruns, its output is the same bytes: the rest hits
    write_text(root / "raw.csv", "# sensor A\n1\n2\n3\n4\n"); // new data
    pipeline("sum");                                       // every step that depends on it reruns
    write_text(root / "raw.csv", "# sensor A\n1\n2\n3\n"); // back to the first data
    pipeline("total"); // cached results, with the files they produced back then

    fs::remove_all(root);
}
