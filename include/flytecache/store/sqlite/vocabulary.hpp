// flytecache — the SQLite store's vocabulary: diskcache 5.x's key and value kinds, storage modes
// SPDX-License-Identifier: MIT
#pragma once

// The SQLite store's vocabulary: diskcache 5.x's key and value kinds, storage modes, eviction
// policies, settings, check findings and stored rows.

#include <flytecache/config.hpp>
#include <flytecache/error.hpp>

#include <algorithm>
#include <concepts>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

FLYTECACHE_NAMESPACE_BEGIN

/// How diskcache stores a value (the `mode` column of its Cache table). The numbers are part of
/// the file format.
enum class value_mode : std::int64_t {
    none = 0,   ///< never written by diskcache; a row with it is damaged
    raw = 1,    ///< inline in the `value` column: INTEGER, REAL, TEXT or BLOB
    binary = 2, ///< bytes in a `.val` file (values of at least `min_file_size` bytes)
    text = 3,   ///< UTF-8 text in a `.val` file
    pickle = 4, ///< a Python pickle, inline or in a file; C++ reads only its raw bytes
};

/// diskcache's eviction policies; the strings (`to_string`) are what its Settings table holds.
enum class eviction_policy {
    none,                  ///< never evict by size (expired entries still go)
    least_recently_stored, ///< diskcache's default: oldest `store_time` first
    least_recently_used,   ///< oldest `access_time` first; every hit updates it (a write)
    least_frequently_used, ///< lowest `access_count` first; every hit increments it (a write)
};

[[nodiscard]] constexpr std::string_view to_string(eviction_policy p) noexcept {
    switch (p) {
    case eviction_policy::none: return "none";
    case eviction_policy::least_recently_stored: return "least-recently-stored";
    case eviction_policy::least_recently_used: return "least-recently-used";
    case eviction_policy::least_frequently_used: return "least-frequently-used";
    }
    return "none";
}

/// Parses diskcache's policy name. @throws invalid_argument naming the accepted spellings.
[[nodiscard]] eviction_policy parse_eviction_policy(std::string_view name);

/// Marks bytes to be stored as a BLOB: Python `bytes`. As a value, plain strings already mean
/// bytes; as a key, plain strings mean text, so a bytes key needs this wrapper.
struct blob_view {
    std::string_view bytes;
};

/// Marks a value to be stored as text: Python `str`. (As a key, plain strings already mean text.)
struct text_view {
    std::string_view text;
};

/// A key as diskcache stores it: Python `str` (TEXT), `bytes` (BLOB), `int` (INTEGER) or `float`
/// (REAL). flytekit's keys are `str`, so plain strings convert to text keys.
///
/// A non-owning view: the referenced characters must outlive the call it is passed to.
class key_ref {
public:
    enum class kind { integer, real, text, blob };

    key_ref(std::string_view text) noexcept : kind_(kind::text), bytes_(text) {}
    key_ref(const char* text) noexcept : key_ref(std::string_view(text)) {}
    key_ref(const std::string& text) noexcept : key_ref(std::string_view(text)) {}
    key_ref(blob_view blob) noexcept : kind_(kind::blob), bytes_(blob.bytes) {}
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    key_ref(I value) noexcept : kind_(kind::integer), integer_(static_cast<std::int64_t>(value)) {}
    key_ref(double value) noexcept : kind_(kind::real), real_(value) {}

    [[nodiscard]] kind type() const noexcept { return kind_; }
    [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }
    [[nodiscard]] std::int64_t integer() const noexcept { return integer_; }
    [[nodiscard]] double real() const noexcept { return real_; }

    /// A short rendering for error messages: text quoted, bytes as `b'…'` length, numbers as is.
    [[nodiscard]] std::string describe() const;

private:
    kind kind_;
    std::string_view bytes_{};
    std::int64_t integer_ = 0;
    double real_ = 0;
};

/// A value to store: plain strings (and `blob_view`) are bytes — what flytekit stores, a serialized
/// LiteralMap; `text_view` is text; integers and doubles are stored as numbers (as Python `int` and
/// `float`, which `incr`/`decr` need). Non-owning, like `key_ref`.
class value_ref {
public:
    enum class kind { integer, real, text, bytes };

    value_ref(std::string_view bytes) noexcept : kind_(kind::bytes), bytes_(bytes) {}
    value_ref(const char* bytes) noexcept : value_ref(std::string_view(bytes)) {}
    value_ref(const std::string& bytes) noexcept : value_ref(std::string_view(bytes)) {}
    value_ref(blob_view blob) noexcept : kind_(kind::bytes), bytes_(blob.bytes) {}
    value_ref(text_view text) noexcept : kind_(kind::text), bytes_(text.text) {}
    template <std::integral I>
        requires(!std::same_as<I, bool>)
    value_ref(I value) noexcept
        : kind_(kind::integer), integer_(static_cast<std::int64_t>(value)) {}
    value_ref(double value) noexcept : kind_(kind::real), real_(value) {}

    [[nodiscard]] kind type() const noexcept { return kind_; }
    [[nodiscard]] std::string_view bytes() const noexcept { return bytes_; }
    [[nodiscard]] std::int64_t integer() const noexcept { return integer_; }
    [[nodiscard]] double real() const noexcept { return real_; }

private:
    kind kind_;
    std::string_view bytes_{};
    std::int64_t integer_ = 0;
    double real_ = 0;
};

/// A key read back from a cache (by `iterkeys`, `peekitem`, `pull`, …). Keys that Python pickled
/// (tuples, `None`, very large ints …; diskcache's `raw = 0`) keep their pickle bytes.
class db_key {
public:
    enum class kind { integer, real, text, blob, pickle };

    db_key() = default;
    static db_key integer(std::int64_t v) { return db_key(kind::integer, v); }
    static db_key real(double v) { return db_key(kind::real, v); }
    static db_key text(std::string v) { return db_key(kind::text, std::move(v)); }
    static db_key blob(std::string v) { return db_key(kind::blob, std::move(v)); }
    static db_key pickle(std::string v) { return db_key(kind::pickle, std::move(v)); }

    [[nodiscard]] kind type() const noexcept { return kind_; }
    /// The integer of an integer key. @throws value_type_error for other kinds.
    [[nodiscard]] std::int64_t as_integer() const {
        expect(kind::integer, "an integer");
        return std::get<std::int64_t>(data_);
    }
    [[nodiscard]] double as_real() const {
        expect(kind::real, "a float");
        return std::get<double>(data_);
    }
    /// The characters of a text key. @throws value_type_error for other kinds.
    [[nodiscard]] const std::string& as_text() const {
        expect(kind::text, "text");
        return std::get<std::string>(data_);
    }
    [[nodiscard]] const std::string& as_blob() const {
        expect(kind::blob, "bytes");
        return std::get<std::string>(data_);
    }
    /// The stored bytes of a text, bytes or pickled key.
    [[nodiscard]] const std::string& raw_bytes() const;
    /// The same key as an argument for lookups (pickled keys cannot be looked up from C++).
    [[nodiscard]] key_ref ref() const;

    friend bool operator==(const db_key&, const db_key&) = default;

private:
    template <class V>
    db_key(kind k, V v) : kind_(k), data_(std::move(v)) {}
    void expect(kind k, const char* what) const {
        if (kind_ != k) {
            throw value_type_error(std::string("flytecache: key is not ") + what);
        }
    }

    kind kind_ = kind::integer;
    std::variant<std::int64_t, double, std::string> data_{std::int64_t{0}};
};

/// A value read back from a cache, with the form it was stored in.
///
/// Typed reads (`as_bytes`, `as_text`, …) check the form and throw `value_type_error` naming it;
/// a Python pickle is readable only through `raw_bytes()` — flytecache never unpickles.
class stored_value {
public:
    enum class kind { integer, real, text, bytes, pickle };

    stored_value() = default;
    static stored_value integer(std::int64_t v) { return {kind::integer, v, false}; }
    static stored_value real(double v) { return {kind::real, v, false}; }
    static stored_value text(std::string v, bool in_file) {
        return {kind::text, std::move(v), in_file};
    }
    static stored_value bytes(std::string v, bool in_file) {
        return {kind::bytes, std::move(v), in_file};
    }
    static stored_value pickle(std::string v, bool in_file) {
        return {kind::pickle, std::move(v), in_file};
    }

    [[nodiscard]] kind type() const noexcept { return kind_; }
    /// Whether the value lived in a `.val` file rather than inline in the database.
    [[nodiscard]] bool in_file() const noexcept { return in_file_; }

    [[nodiscard]] const std::string& as_bytes() const& { return string_of(kind::bytes); }
    [[nodiscard]] std::string as_bytes() && { return std::move(string_of(kind::bytes)); }
    [[nodiscard]] const std::string& as_text() const& { return string_of(kind::text); }
    [[nodiscard]] std::int64_t as_integer() const {
        check(kind::integer);
        return std::get<std::int64_t>(data_);
    }
    [[nodiscard]] double as_real() const {
        check(kind::real);
        return std::get<double>(data_);
    }
    /// The stored bytes of a bytes, text or pickle value (a pickle's serialized form).
    [[nodiscard]] const std::string& raw_bytes() const;

    [[nodiscard]] static const char* name(kind k) noexcept {
        switch (k) {
        case kind::integer: return "an integer";
        case kind::real: return "a float";
        case kind::text: return "text (Python str)";
        case kind::bytes: return "bytes";
        case kind::pickle: return "a Python pickle";
        }
        return "?";
    }

    friend bool operator==(const stored_value&, const stored_value&) = default;

private:
    template <class V>
    stored_value(kind k, V v, bool in_file) : kind_(k), data_(std::move(v)), in_file_(in_file) {}

    void check(kind wanted) const;
    std::string& string_of(kind wanted) {
        check(wanted);
        return std::get<std::string>(data_);
    }
    const std::string& string_of(kind wanted) const {
        check(wanted);
        return std::get<std::string>(data_);
    }

    kind kind_ = kind::bytes;
    std::variant<std::int64_t, double, std::string> data_{std::string()};
    bool in_file_ = false;
};

/// An entry read from a cache: its key, value, expiry (seconds since the Unix epoch, as diskcache
/// stores it) and tag (text tags as set from C++ or Python `str`; other tag kinds rendered as
/// text).
struct cache_entry {
    db_key key;
    stored_value value;
    std::optional<double> expire_time;
    std::optional<std::string> tag;
};

/// Which end of a diskcache queue (`push`, `pull`, `peek`) to use.
enum class queue_side { front, back };

/// A value of the Settings table. diskcache writes integers and a few strings, but Python accepts
/// any SQLite value (`size_limit=1e9` is a REAL; NULL is `None`), and so does this store.
using setting_value = std::variant<std::int64_t, double, std::string, std::monostate>;

/// One problem `sqlite_store::check` found.
struct check_finding {
    enum class kind {
        integrity,       ///< `PRAGMA integrity_check` reported damage
        file_not_found,  ///< a row refers to a `.val` file that is missing
        wrong_file_size, ///< a `.val` file's size differs from the row's `size` (a damaged value)
        foreign_file,    ///< a row names a file that is not one of this cache's value files (an
                         ///< absolute path, `..`, a link, not a regular file): never followed
        unknown_file,    ///< a file no row refers to (left by an interrupted write; only space)
        empty_directory, ///< an empty value directory (harmless)
        count_mismatch,  ///< Settings.count differs from the number of rows
        size_mismatch,   ///< Settings.size differs from the sum of the rows' sizes
    };
    kind what;
    std::string message;
};

/// What `sqlite_store::check` found (diskcache returns the same findings as warnings).
struct check_report {
    std::vector<check_finding> findings;
    /// Whether anything is damaged: unknown files and empty directories waste space but lose
    /// nothing, so they do not count.
    [[nodiscard]] bool damaged() const noexcept {
        return std::any_of(findings.begin(), findings.end(), [](const check_finding& f) {
            return f.what != check_finding::kind::unknown_file &&
                   f.what != check_finding::kind::empty_directory;
        });
    }
    [[nodiscard]] bool clean() const noexcept { return findings.empty(); }
};

/// One row of the Cache table as it is stored, expired or not: the key, diskcache's bookkeeping
/// and where the value lives, without the value itself (`sqlite_store::for_each_entry`). What a
/// tool listing or checking a cache needs; lookups (`get`, `get_entry`) hide expired rows.
struct stored_entry_info {
    db_key key;
    double store_time = 0;  ///< when it was written, seconds since the Unix epoch
    double access_time = 0; ///< diskcache updates it only under least-recently-used eviction
    std::int64_t access_count = 0;
    std::optional<double> expire_time; ///< seconds since the Unix epoch; empty: never expires
    std::optional<std::string> tag;    ///< rendered as `cache_entry::tag` is
    /// The row's storage mode as written; a value outside the enumeration means a damaged row.
    value_mode mode = value_mode::none;
    /// Bytes of the value: the size recorded for a `.val` file, the length of an inline value
    /// (diskcache records 0 for those; a number counts the length of its text).
    std::uint64_t value_size = 0;
    /// The `.val` file, relative to the cache directory; empty for inline values.
    std::optional<std::string> filename;

    /// Whether lookups at time `now` (seconds since the Unix epoch) no longer see the entry.
    [[nodiscard]] bool expired(double now) const noexcept {
        return expire_time.has_value() && *expire_time <= now;
    }
};

/// A row with its value, as `sqlite_store::inspect` reads it.
struct stored_entry {
    stored_entry_info info;
    /// The value in the form it was stored; empty when its `.val` file is missing.
    std::optional<stored_value> value;
};

FLYTECACHE_NAMESPACE_END

#if !defined(FLYTECACHE_COMPILED_LIB)
#    include <flytecache/store/sqlite/vocabulary.ipp>
#endif
