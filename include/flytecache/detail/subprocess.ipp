// flytecache — running a child process with captured output and a timeout (definitions)
// SPDX-License-Identifier: MIT
#pragma once

#include <flytecache/detail/subprocess.hpp>

#include <flytecache/detail/file_io.hpp>
#include <flytecache/error.hpp>

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <climits>
#include <cstddef>
#include <cstdio>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <system_error>
#include <thread>
#include <utility>
#include <vector>

// <unistd.h> declares it only with _GNU_SOURCE; declaring it again is harmless.
extern "C" char** environ; // NOLINT(readability-redundant-declaration)

FLYTECACHE_NAMESPACE_BEGIN
namespace detail {

namespace subprocess {

// Names the common signals by macro rather than by number, since numbers differ between
// architectures.
FLYTECACHE_INLINE const char* signal_name(int sig) noexcept {
    switch (sig) {
    case SIGHUP: return "SIGHUP";
    case SIGINT: return "SIGINT";
    case SIGQUIT: return "SIGQUIT";
    case SIGILL: return "SIGILL";
    case SIGTRAP: return "SIGTRAP";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGKILL: return "SIGKILL";
    case SIGUSR1: return "SIGUSR1";
    case SIGSEGV: return "SIGSEGV";
    case SIGUSR2: return "SIGUSR2";
    case SIGPIPE: return "SIGPIPE";
    case SIGALRM: return "SIGALRM";
    case SIGTERM: return "SIGTERM";
    case SIGCHLD: return "SIGCHLD";
    case SIGCONT: return "SIGCONT";
    case SIGSTOP: return "SIGSTOP";
    case SIGTSTP: return "SIGTSTP";
    case SIGTTIN: return "SIGTTIN";
    case SIGTTOU: return "SIGTTOU";
    case SIGURG: return "SIGURG";
    case SIGXCPU: return "SIGXCPU";
    case SIGXFSZ: return "SIGXFSZ";
    case SIGVTALRM: return "SIGVTALRM";
    case SIGPROF: return "SIGPROF";
    case SIGWINCH: return "SIGWINCH";
    case SIGSYS: return "SIGSYS";
    default: return nullptr;
    }
}

[[noreturn]] FLYTECACHE_INLINE void throw_errno(const std::string& what, int err) {
    throw error("flytecache: " + what + ": " + errno_text(err));
}

// If the parent runs with stdin/stdout/stderr closed, a new descriptor can be 0, 1 or 2; the
// child's dup2 onto that same number would then be a no-op that leaves O_CLOEXEC set.
FLYTECACHE_INLINE unique_fd above_stdio(unique_fd fd) {
    if (fd.get() > STDERR_FILENO) return fd;
    const int moved = ::fcntl(fd.get(), F_DUPFD_CLOEXEC, STDERR_FILENO + 1);
    if (moved < 0) {
        const int err = errno;
        throw_errno("cannot duplicate a descriptor for a child process", err);
    }
    return unique_fd(moved);
}

// O_CLOEXEC from the start (not set afterwards), so a fork in another thread cannot carry these
// ends into an unrelated program, where they would hold our pipe open.
FLYTECACHE_INLINE std::pair<unique_fd, unique_fd> make_pipe() {
    int fds[2] = {-1, -1};
    if (::pipe2(fds, O_CLOEXEC) != 0) {
        const int err = errno;
        throw_errno("cannot create a pipe for a child process", err);
    }
    unique_fd read_end(fds[0]);
    unique_fd write_end(fds[1]);
    return {above_stdio(std::move(read_end)), above_stdio(std::move(write_end))};
}

// What the child reports through the exec-error pipe when it cannot become the program.
enum class failed_step : int { setup, chdir, exec };
struct exec_failure {
    failed_step step;
    int error;
};

// Everything the child touches between fork and exec, allocated before forking: after a fork in a
// multithreaded process, only async-signal-safe calls are allowed in the child (malloc may hold a
// lock owned by a thread that does not exist there).
struct launch_plan {
    std::vector<std::string> argv_storage;
    std::vector<char*> argv;
    std::vector<std::string> env_storage;
    std::vector<char*> envp;
    std::vector<std::string> candidate_storage; // where to try argv[0], in PATH order
    std::vector<const char*> candidates;
    // For a candidate that exec rejects with ENOEXEC (a script without "#!"), execvp runs it with
    // /bin/sh; slot 1 is filled with the candidate in the child.
    std::vector<char*> script_argv;
    const char* working_directory = nullptr;
    sigset_t empty_mask{};
};

FLYTECACHE_INLINE std::string_view env_key(std::string_view entry) noexcept {
    return entry.substr(0, std::min(entry.find('='), entry.size()));
}

FLYTECACHE_INLINE launch_plan make_plan(const process_options& options) {
    launch_plan plan;
    for (const std::string& arg : options.argv) {
        if (arg.find('\0') != std::string::npos)
            throw invalid_argument("flytecache: run_process: an argument contains a NUL character");
    }
    plan.argv_storage = options.argv;
    for (std::string& arg : plan.argv_storage) plan.argv.push_back(arg.data());
    plan.argv.push_back(nullptr);

    // Later overrides win over earlier ones, as repeated setenv calls would.
    std::vector<std::pair<std::string, std::string>> overrides;
    for (const auto& variable : options.environment) {
        const std::string& key = variable.first;
        const std::string& value = variable.second;
        if (key.empty() || key.find('=') != std::string::npos ||
            key.find('\0') != std::string::npos)
            throw invalid_argument("flytecache: run_process: invalid environment variable name '" +
                                   key + "'");
        if (value.find('\0') != std::string::npos)
            throw invalid_argument("flytecache: run_process: the value of environment variable '" +
                                   key + "' contains a NUL character");
        const auto same = std::find_if(overrides.begin(), overrides.end(),
                                       [&](const auto& kv) { return kv.first == key; });
        if (same != overrides.end())
            same->second = value;
        else
            overrides.emplace_back(key, value);
    }
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
        const std::string_view text(*entry);
        const std::string_view key = env_key(text);
        const bool overridden = std::any_of(overrides.begin(), overrides.end(),
                                            [&](const auto& kv) { return kv.first == key; });
        if (!overridden) plan.env_storage.emplace_back(text);
    }
    for (const auto& [key, value] : overrides) plan.env_storage.push_back(key + "=" + value);
    for (std::string& entry : plan.env_storage) plan.envp.push_back(entry.data());
    plan.envp.push_back(nullptr);

    // The search happens here rather than through execvp in the child: execvp reads the parent's
    // PATH, not the child's, and is not async-signal-safe by POSIX.
    const std::string& program = options.argv.front();
    if (program.find('/') != std::string::npos) {
        plan.candidate_storage.push_back(program);
    } else {
        std::string_view path = "/bin:/usr/bin"; // glibc's execvp default when PATH is unset
        for (const std::string& entry : plan.env_storage) {
            if (env_key(entry) == "PATH") path = std::string_view(entry).substr(5);
        }
        for (;;) {
            const std::size_t colon = path.find(':');
            const std::string_view dir = path.substr(0, colon);
            // An empty element means the current directory.
            plan.candidate_storage.push_back((dir.empty() ? std::string(".") : std::string(dir)) +
                                             "/" + program);
            if (colon == std::string_view::npos) break;
            path.remove_prefix(colon + 1);
        }
    }
    for (const std::string& candidate : plan.candidate_storage)
        plan.candidates.push_back(candidate.c_str());

    static char shell[] = "/bin/sh";
    plan.script_argv.push_back(shell);
    plan.script_argv.push_back(nullptr);
    plan.script_argv.insert(plan.script_argv.end(), plan.argv.begin() + 1, plan.argv.end());

    if (!options.working_directory.empty()) {
        if (options.working_directory.find('\0') != std::string::npos)
            throw invalid_argument(
                "flytecache: run_process: the working directory contains a NUL character");
        plan.working_directory = options.working_directory.c_str();
    }
    sigemptyset(&plan.empty_mask);
    return plan;
}

[[noreturn]] FLYTECACHE_INLINE void report_and_exit(int error_fd, failed_step step,
                                                    int err) noexcept {
    const exec_failure failure{step, err};
    // One write of a few bytes into an empty pipe is atomic; nothing useful can be done on failure.
    [[maybe_unused]] const ::ssize_t written = ::write(error_fd, &failure, sizeof failure);
    ::_exit(127);
}

// Runs in the child between fork and exec: async-signal-safe calls only, no allocation, no throw.
[[noreturn]] FLYTECACHE_INLINE void exec_child(launch_plan& plan, int null_fd, int output_fd,
                                               int error_fd) noexcept {
    // Handlers are the parent's code; a signal arriving before exec must not run them here (exec
    // would reset them anyway). SIGPIPE and SIGXFSZ are often ignored by servers, and programs
    // expect them at their default. Other ignored signals stay ignored, as nohup relies on.
    for (int sig = 1; sig < NSIG; ++sig) {
        if (sig == SIGKILL || sig == SIGSTOP) continue;
        struct sigaction current{};
        if (::sigaction(sig, nullptr, &current) != 0) continue;
        const bool handled = (current.sa_flags & SA_SIGINFO) != 0 ||
                             (current.sa_handler != SIG_DFL && current.sa_handler != SIG_IGN);
        const bool reset_ignored =
            current.sa_handler == SIG_IGN && (sig == SIGPIPE || sig == SIGXFSZ);
        if (handled || reset_ignored) {
            struct sigaction dfl{};
            dfl.sa_handler = SIG_DFL;
            sigemptyset(&dfl.sa_mask);
            ::sigaction(sig, &dfl, nullptr);
        }
    }
    // Its own group, so a timeout's killpg reaches grandchildren too.
    if (::setpgid(0, 0) != 0) report_and_exit(error_fd, failed_step::setup, errno);
    if (::dup2(null_fd, STDIN_FILENO) < 0 || ::dup2(output_fd, STDOUT_FILENO) < 0 ||
        ::dup2(output_fd, STDERR_FILENO) < 0)
        report_and_exit(error_fd, failed_step::setup, errno);
    if (plan.working_directory != nullptr && ::chdir(plan.working_directory) != 0)
        report_and_exit(error_fd, failed_step::chdir, errno);
    // The parent blocked everything around fork; the program starts with nothing blocked.
    ::sigprocmask(SIG_SETMASK, &plan.empty_mask, nullptr);

    // execvp's rules: skip candidates that do not exist, remember EACCES, stop at any other error.
    int last_error = ENOENT;
    bool denied = false;
    for (const char* candidate : plan.candidates) {
        ::execve(candidate, plan.argv.data(), plan.envp.data());
        const int err = errno;
        if (err == ENOEXEC) {
            plan.script_argv[1] = const_cast<char*>(candidate);
            ::execve(plan.script_argv[0], plan.script_argv.data(), plan.envp.data());
            report_and_exit(error_fd, failed_step::exec, errno);
        }
        switch (err) {
        case EACCES: denied = true; [[fallthrough]];
        case ENOENT:
        case ENOTDIR:
        case ESTALE:
        case ENODEV:
        case ETIMEDOUT: last_error = err; continue;
        default: report_and_exit(error_fd, failed_step::exec, err);
        }
    }
    report_and_exit(error_fd, failed_step::exec, denied ? EACCES : last_error);
}

// Kills and reaps the child if run_process leaves early (an exception from on_output or from a
// failed system call), so neither a zombie nor a runaway process group outlives the call.
class child_guard {
public:
    explicit child_guard(::pid_t pid) noexcept : pid_(pid) {}
    child_guard(const child_guard&) = delete;
    child_guard& operator=(const child_guard&) = delete;
    ~child_guard() {
        if (pid_ <= 0) return;
        ::killpg(pid_, SIGKILL);
        int status = 0;
        while (::waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    }
    void reaped() noexcept { pid_ = -1; }

private:
    ::pid_t pid_;
};

// The timeout's escalation: running → SIGTERM → SIGKILL 2 s later → stop waiting for end of output
// 2 s after that (a process that left the group may hold the pipe open forever). The group id
// stays valid until the leader is reaped, which happens only after the signals, so killpg never
// reaches a recycled group.
class escalation {
public:
    using clock = std::chrono::steady_clock;
    static constexpr std::chrono::seconds grace{2};

    escalation(::pid_t group, std::optional<clock::time_point> deadline) noexcept
        : group_(group), deadline_(deadline) {}

    [[nodiscard]] bool timed_out() const noexcept { return stage_ != stage::running; }
    [[nodiscard]] bool abandoned_output() const noexcept { return stage_ == stage::abandon; }

    // While waiting for the child to exit after SIGKILL there is no deadline: it cannot survive.
    [[nodiscard]] std::optional<clock::time_point> deadline(bool reading) const noexcept {
        if (stage_ == stage::killed && !reading) return std::nullopt;
        if (stage_ == stage::abandon) return std::nullopt;
        return deadline_;
    }

    // Advances one step if the current deadline has passed; true when it did.
    bool check(bool reading, clock::time_point now) noexcept {
        const auto due = deadline(reading);
        if (!due || now < *due) return false;
        switch (stage_) {
        case stage::running:
            ::killpg(group_, SIGTERM);
            stage_ = stage::terminating;
            deadline_ = now + grace;
            break;
        case stage::terminating:
            ::killpg(group_, SIGKILL);
            stage_ = stage::killed;
            deadline_ = now + grace;
            break;
        case stage::killed: stage_ = stage::abandon; break;
        case stage::abandon: break;
        }
        return true;
    }

private:
    enum class stage { running, terminating, killed, abandon };
    ::pid_t group_;
    std::optional<clock::time_point> deadline_;
    stage stage_ = stage::running;
};

// poll()'s timeout in whole milliseconds, rounded up so a wakeup never comes before the deadline.
FLYTECACHE_INLINE int poll_timeout_ms(std::optional<escalation::clock::time_point> deadline,
                                      escalation::clock::time_point now) {
    if (!deadline) return -1;
    if (*deadline <= now) return 0;
    const auto ms = std::chrono::ceil<std::chrono::milliseconds>(*deadline - now).count();
    return static_cast<int>(std::min<decltype(ms)>(ms, INT_MAX));
}

class output_sink {
public:
    output_sink(const std::function<void(std::string_view)>& on_line, std::size_t keep) noexcept
        : on_line_(on_line), keep_(keep) {}

    void add(std::string_view chunk) {
        if (keep_ > 0) {
            tail_.append(chunk.substr(chunk.size() > keep_ ? chunk.size() - keep_ : 0));
            // Trimming only past twice the limit keeps the cost linear in the output size.
            if (tail_.size() > 2 * keep_) tail_.erase(0, tail_.size() - keep_);
        }
        if (!on_line_) return;
        for (;;) {
            const std::size_t newline = chunk.find('\n');
            if (newline == std::string_view::npos) break;
            if (partial_.empty()) {
                on_line_(chunk.substr(0, newline));
            } else {
                partial_.append(chunk.substr(0, newline));
                const std::string line = std::move(partial_);
                partial_.clear();
                on_line_(line);
            }
            chunk.remove_prefix(newline + 1);
        }
        partial_.append(chunk);
    }

    // A last line without '\n' is still a line.
    void finish() {
        if (!on_line_ || partial_.empty()) return;
        const std::string line = std::move(partial_);
        partial_.clear();
        on_line_(line);
    }

    std::string take_tail() {
        if (tail_.size() > keep_) tail_.erase(0, tail_.size() - keep_);
        return std::move(tail_);
    }

private:
    const std::function<void(std::string_view)>& on_line_;
    std::size_t keep_;
    std::string tail_;
    std::string partial_;
};

FLYTECACHE_INLINE std::string format_seconds(double seconds) {
    char text[32];
    std::snprintf(text, sizeof text, "%g", seconds);
    return text;
}

} // namespace subprocess

FLYTECACHE_INLINE std::string process_result::describe() const {
    if (timed_out)
        return "timed out after " + subprocess::format_seconds(timeout.count()) +
               " s and was killed";
    if (signaled) {
        std::string text = "killed by signal " + std::to_string(signal);
        if (const char* name = subprocess::signal_name(signal))
            text += std::string(" (") + name + ")";
        return text;
    }
    return "exited with status " + std::to_string(exit_code);
}

FLYTECACHE_INLINE process_result run_process(const process_options& options) {
    using namespace subprocess;
    using clock = escalation::clock;

    if (options.argv.empty()) throw invalid_argument("flytecache: run_process: argv is empty");
    const std::string& program = options.argv.front();
    if (program.empty())
        throw invalid_argument("flytecache: run_process: the program name (argv[0]) is empty");
    std::optional<clock::time_point> deadline;
    const auto start = clock::now();
    if (options.timeout) {
        const double seconds = options.timeout->count();
        if (!(seconds >= 0.0))
            throw invalid_argument(
                "flytecache: run_process: the timeout must not be negative (got " +
                format_seconds(seconds) + " s)");
        // Beyond a century the limit is "never", and converting it to clock ticks could overflow.
        if (seconds < 3.2e9)
            deadline = start + std::chrono::duration_cast<clock::duration>(*options.timeout);
    }

    launch_plan plan = make_plan(options);
    auto [output_read, output_write] = make_pipe();
    auto [error_read, error_write] = make_pipe();
    unique_fd dev_null(::open("/dev/null", O_RDONLY | O_CLOEXEC));
    if (dev_null.get() < 0) {
        const int err = errno;
        throw_errno("cannot open /dev/null for a child process", err);
    }
    dev_null = above_stdio(std::move(dev_null));

    // Blocked across fork so no handler of the parent runs in the child before exec_child has reset
    // the dispositions; only this thread's mask changes, and only for the duration of fork().
    sigset_t all_signals;
    sigset_t previous_mask;
    sigfillset(&all_signals);
    ::pthread_sigmask(SIG_SETMASK, &all_signals, &previous_mask);
    const ::pid_t pid = ::fork();
    if (pid == 0) exec_child(plan, dev_null.get(), output_write.get(), error_write.get());
    const int fork_error = errno;
    ::pthread_sigmask(SIG_SETMASK, &previous_mask, nullptr);
    if (pid < 0) throw_errno("cannot start '" + program + "': fork failed", fork_error);

    // Also set from this side: whichever of parent and child runs first, the group exists before
    // the parent could signal it. Fails harmlessly (EACCES) once the child has exec'd.
    ::setpgid(pid, pid);
    child_guard guard(pid);
    output_write.reset();
    error_write.reset();
    dev_null.reset();

    output_sink sink(options.on_output, options.keep_tail_bytes);
    escalation timer(pid, deadline);

    // Read until end of output. The buffer sits on the heap: 64 KiB of stack is a lot for a thread.
    std::vector<char> buffer(std::size_t{64} * 1024);
    for (;;) {
        auto now = clock::now();
        // Checked on every pass, not only when poll times out, so a chatty child is still stopped.
        while (timer.check(true, now)) {}
        if (timer.abandoned_output()) break;
        ::pollfd readable{output_read.get(), POLLIN, 0};
        const int ready = ::poll(&readable, 1, poll_timeout_ms(timer.deadline(true), now));
        if (ready < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            throw_errno("waiting for output of '" + program + "'", err);
        }
        if (ready == 0) continue;
        const ::ssize_t got = ::read(output_read.get(), buffer.data(), buffer.size());
        if (got < 0) {
            const int err = errno;
            if (err == EINTR || err == EAGAIN) continue;
            throw_errno("reading output of '" + program + "'", err);
        }
        if (got == 0) break;
        sink.add(std::string_view(buffer.data(), static_cast<std::size_t>(got)));
    }
    sink.finish();
    output_read.reset();

    // The output can close before the program ends (it closed its descriptors, or a daemonizing
    // child); the timeout still applies. Sleeps grow from 1 ms so short waits stay short.
    int status = 0;
    auto nap = std::chrono::milliseconds(1);
    for (;;) {
        const auto now = clock::now();
        while (timer.check(false, now)) {}
        const auto due = timer.deadline(false);
        const ::pid_t done = ::waitpid(pid, &status, due ? WNOHANG : 0);
        if (done == pid) break;
        if (done < 0) {
            const int err = errno;
            if (err == EINTR) continue;
            throw_errno("waiting for '" + program + "' to exit", err);
        }
        if (!due) continue; // waited without WNOHANG: unreachable unless waitpid misbehaves
        const auto left = *due - clock::now();
        if (left > clock::duration::zero())
            std::this_thread::sleep_for(std::min<clock::duration>(nap, left));
        nap = std::min(nap * 2, std::chrono::milliseconds(50));
    }
    guard.reaped();

    // The child wrote any exec failure before exiting, so it is in the pipe now. No data (EOF, or
    // the write end still open in a concurrently forked, not yet exec'd child) means exec
    // succeeded.
    ::pollfd failed{error_read.get(), POLLIN, 0};
    int polled = 0;
    while ((polled = ::poll(&failed, 1, 0)) < 0 && errno == EINTR) {}
    if (polled > 0 && (failed.revents & POLLIN) != 0) {
        exec_failure failure{};
        ::ssize_t got = 0;
        while ((got = ::read(error_read.get(), &failure, sizeof failure)) < 0 && errno == EINTR) {}
        if (got == static_cast<::ssize_t>(sizeof failure)) {
            switch (failure.step) {
            case failed_step::chdir:
                throw_errno("cannot run '" + program + "': cannot change to working directory '" +
                                options.working_directory + "'",
                            failure.error);
            case failed_step::setup:
                throw_errno("cannot run '" + program + "': setting up the child process failed",
                            failure.error);
            case failed_step::exec: throw_errno("cannot run '" + program + "'", failure.error);
            }
            throw_errno("cannot run '" + program + "'", failure.error);
        }
    }

    process_result result;
    result.timed_out = timer.timed_out();
    if (result.timed_out && options.timeout) result.timeout = *options.timeout;
    if (WIFSIGNALED(status)) {
        result.signaled = true;
        result.signal = WTERMSIG(status);
    } else {
        result.exit_code = WEXITSTATUS(status);
    }
    result.output_tail = sink.take_tail();
    return result;
}

} // namespace detail
FLYTECACHE_NAMESPACE_END
