// flytecache — libFuzzer target: the text paths over whatever decodes
// SPDX-License-Identifier: MIT
// libFuzzer target: the text paths over whatever decodes (short_string, verbose_string, the
// datacatalog JSON and tag) and the keys, plus the registration restamp of a TaskTemplate.
#include <flytecache/detail/task_template_identity.hpp>
#include <flytecache/error.hpp>
#include <flytecache/key/datacatalog.hpp>
#include <flytecache/key/flytekit_local.hpp>
#include <flytecache/key/native.hpp>
#include <flytecache/literal/decode.hpp>
#include <flytecache/literal/encode.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <string>
#include <string_view>

namespace {

[[noreturn]] void fail(const char* what, const char* detail = "") {
    std::fprintf(stderr, "text_fuzzer: %s%s\n", what, detail);
    std::abort();
}

// Everything a decoded map can be turned into. The text for people never throws; the datacatalog
// form may refuse what the backend's marshaler refuses (invalid_argument), nothing else.
void exercise(const flytecache::literal_map& m) {
    namespace fc = flytecache;
    const fc::literal whole{m, std::nullopt, {}};
    if (whole.short_string().empty()) fail("short_string of a map is empty");
    (void)whole.verbose_string();
    for (const auto& [name, value] : m.literals) {
        (void)value.short_string();
        (void)value.verbose_string();
    }
    try {
        const std::string json =
            fc::detail::canonical_json(fc::datacatalog_json_value(m, std::vector<std::string>{}));
        if (json.empty() || json.front() != '{') fail("datacatalog JSON is not an object");
        (void)fc::keys::datacatalog{}.make_key("t", "v", m);
    } catch (const fc::invalid_argument&) {
        // An out-of-range Timestamp or Duration: refused, as the backend refuses it.
    }
    (void)fc::keys::flytekit_local{}.make_key("t", "v", m);
    (void)fc::keys::native{}.make_key("t", "v", m);
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace fc = flytecache;
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    try {
        exercise(fc::decode_literal_map(bytes));
    } catch (const fc::decode_error&) {
        // Malformed input, refused as it should be.
    } catch (const std::exception& e) {
        fail("unexpected exception: ", e.what());
    } catch (...) {
        fail("unexpected exception of unknown type");
    }
    // The same bytes as a TaskTemplate to restamp: decode_error or a template that re-reads.
    try {
        const auto [name, restamped] = fc::detail::restamp_task_template(bytes, "p", "d", "v");
        const auto [again, twice] = fc::detail::restamp_task_template(restamped, "p", "d", "v");
        if (again != name || twice != restamped) fail("restamping is not idempotent");
    } catch (const fc::decode_error&) {
    } catch (const std::exception& e) {
        fail("unexpected exception from restamp_task_template: ", e.what());
    }
    return 0;
}
