// flytecache — the exception hierarchy: everything thrown derives from flytecache::error
// SPDX-License-Identifier: MIT
#pragma once

// The exception hierarchy: every error the library throws derives from flytecache::error.

#include <flytecache/config.hpp>

#include <exception>
#include <stdexcept>
#include <string>

FLYTECACHE_NAMESPACE_BEGIN

/// Base of every exception flytecache throws, so callers can catch the library's errors in one
/// place.
///
/// Messages say what was wrong and, where there is one, what to do about it. Where flytekit has a
/// wording for the same failure, the message reuses it verbatim, so that Python and C++ users of
/// one Flyte cache read the same text.
class error : public std::runtime_error {
public:
    using std::runtime_error::runtime_error;
};

/// A cache or task configuration that cannot work, such as neither a version nor a cache policy.
///
/// flytekit raises `ValueError` for these; the message is flytekit's where it has one.
class configuration_error : public error {
public:
    using error::error;
};

/// A cache policy failed while computing a version. The policy's own exception is nested
/// (`std::rethrow_if_nested` reaches it), and `what()` ends with its message ("; caused by: …"),
/// so a log line tells the whole story; `message()` is flytekit's text alone.
class version_error : public error {
public:
    using error::error;
    /// `message` is the text flytekit would give; `cause` what went wrong underneath.
    version_error(const std::string& message, const std::string& cause)
        : error(cause.empty() ? message : message + "; caused by: " + cause), message_(message) {}

    /// flytekit's text for this failure (Python's `str(e)`), without the cause.
    [[nodiscard]] std::string message() const { return message_.empty() ? what() : message_; }

private:
    std::string message_;
};

/// A value given to flytecache is malformed (for example JSON text that does not parse).
class invalid_argument : public error {
public:
    using error::error;
};

/// The cryptographic backend (OpenSSL) failed: no SHA-256 or MD5 provider, or out of memory.
class crypto_error : public error {
public:
    using error::error;
};

/// Bytes that do not decode: truncated or malformed protobuf, or a value that breaks the schema.
class decode_error : public error {
public:
    using error::error;
};

/// A cache store failed: the backend reported an error (I/O, a corrupt database file, a full
/// disk), or a stored entry breaks the store's format. The message names the store's location.
class store_error : public error {
public:
    using error::error;
};

/// A store operation waited longer than the store's timeout for a lock held by another thread or
/// process (diskcache's `Timeout`). Nothing was written; retrying later is safe.
class timeout_error : public store_error {
public:
    using store_error::store_error;
};

/// A stored entry that cannot be what was stored: its value file is missing its bytes (not the
/// size its row records), is not a regular file of the cache, or its row names a file outside the
/// cache. Never followed, never deleted by reads; `local_task_cache` counts it as a reported miss,
/// and `sqlite_store::check(true)` removes such rows.
class damaged_entry_error : public store_error {
public:
    using store_error::store_error;
};

/// The disk (or quota) holding a store is full: nothing was written. `erase`, `clear` and culls of
/// `sqlite_store` still work then (they free value files before they delete rows), so space can be
/// recovered through the store, or with `flytecache clear`.
class disk_full_error : public store_error {
public:
    using store_error::store_error;
};

/// A stored value was asked for as a type it does not have, for example a Python pickle read as
/// bytes of a LiteralMap, or text read as an integer.
class value_type_error : public store_error {
public:
    using store_error::store_error;
};

/// An operation that needs an existing key found none (diskcache raises `KeyError`).
class key_not_found : public store_error {
public:
    using store_error::store_error;
};

/// A task could not produce its outputs: its container exited non-zero, an output file is missing
/// or malformed, or a reference task was asked to run a call the cache does not hold. The message
/// names the task (and the output, where one is at fault). A function task's own exceptions are
/// not wrapped: they reach the caller unchanged.
class task_error : public error {
public:
    using error::error;
};

/// A task ran longer than its `timeout` and was stopped (container tasks), or a serialized call
/// waited longer than the executor's `max_wait` for another owner's result.
class task_timeout_error : public task_error {
public:
    using task_error::task_error;
};

namespace detail {

/// The message of the exception being handled and of every exception nested in it, joined by
/// "; caused by: ", for an error that wraps another: its `what()` then tells the whole story
/// without `std::rethrow_if_nested`. Call it only inside a `catch`.
[[nodiscard]] inline std::string current_exception_text() {
    std::string text;
    std::exception_ptr current = std::current_exception();
    for (int depth = 0; current && depth < 16; ++depth) {
        std::exception_ptr next;
        try {
            std::rethrow_exception(current);
        } catch (const std::exception& e) {
            if (!text.empty()) text += "; caused by: ";
            text += e.what();
            if (const auto* nested = dynamic_cast<const std::nested_exception*>(&e)) {
                next = nested->nested_ptr();
            }
        } catch (...) {
            if (!text.empty()) text += "; caused by: ";
            text += "an exception that is not a std::exception";
        }
        current = next;
    }
    return text;
}

} // namespace detail

FLYTECACHE_NAMESPACE_END
