#include "local/lambda/child_process.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace pingwatch::local::lambda {

ChildProcess::ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment,
                           const std::string& directory, LineSink on_line, ExitSink on_exit)
    : on_line_(std::move(on_line)), on_exit_(std::move(on_exit)) {
  // Everything the child needs is prepared before fork: after fork only async-signal-safe calls are allowed.
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : environment) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  if (argv.empty()) throw std::invalid_argument("ChildProcess: no program to start");
  const std::string& program = argv.front();
  std::vector<std::string> arg_strings = argv;
  std::vector<char*> args;
  for (auto& a : arg_strings) args.push_back(a.data());
  args.push_back(nullptr);

  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    throw std::runtime_error(std::string("pipe: ") + std::strerror(errno));
  }
  pid_ = fork();
  if (pid_ < 0) {
    for (int fd : {out_pipe[0], out_pipe[1], err_pipe[0], err_pipe[1]}) close(fd);
    throw std::runtime_error("cannot start " + program + ": fork: " + std::strerror(errno));
  }
  if (pid_ == 0) {
    setpgid(0, 0);
    int null_fd = open("/dev/null", O_RDONLY);
    if (null_fd >= 0) dup2(null_fd, 0);
    dup2(out_pipe[1], 1);
    dup2(err_pipe[1], 2);
    if (chdir(directory.c_str()) != 0) _exit(126);
    execve(args[0], args.data(), envp.data());
    static const char kMessage[] = "exec of the bootstrap failed\n";
    ssize_t ignored = write(2, kMessage, sizeof kMessage - 1);
    (void)ignored;
    _exit(127);
  }
  setpgid(pid_, pid_);   // also from the parent, so kill_group works even before the child ran setpgid
  close(out_pipe[1]);
  close(err_pipe[1]);
  // Non-blocking read ends: a flush and a reader thread take turns on the same pipe, and neither may block there.
  stdout_.fd = out_pipe[0];
  stderr_.fd = err_pipe[0];
  for (int fd : {stdout_.fd, stderr_.fd}) fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
  stdout_reader_ = std::thread([this] { read_lines(stdout_); });
  stderr_reader_ = std::thread([this] { read_lines(stderr_); });
  reaper_ = std::thread([this] {
    int status = 0;
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {
    }
    {
      std::lock_guard lock(mutex_);
      exited_ = true;
    }
    if (on_exit_) on_exit_(status);
  });
}

ChildProcess::~ChildProcess() {
  kill_group();
  if (reaper_.joinable()) reaper_.join();
  if (stdout_reader_.joinable()) stdout_reader_.join();
  if (stderr_reader_.joinable()) stderr_reader_.join();
}

void ChildProcess::kill_group() {
  // Once the leader is reaped its pid (and group id) may be reused by an unrelated process: leave it alone then.
  std::lock_guard lock(mutex_);
  if (pid_ > 0 && !exited_) ::kill(-pid_, SIGKILL);
}

bool ChildProcess::exited() const {
  std::lock_guard lock(mutex_);
  return exited_;
}

bool ChildProcess::take_available(Stream& stream, const LineSink& on_line) {
  char buffer[4096];
  for (;;) {
    const ssize_t n = read(stream.fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return true;
    if (n <= 0) return false;
    stream.partial.append(buffer, static_cast<std::size_t>(n));
    std::size_t start = 0;
    for (auto nl = stream.partial.find('\n'); nl != std::string::npos; nl = stream.partial.find('\n', start)) {
      if (on_line) on_line(stream.partial.substr(start, nl - start));
      start = nl + 1;
    }
    stream.partial.erase(0, start);
  }
}

void ChildProcess::read_lines(Stream& stream) {
  for (;;) {
    pollfd ready{stream.fd, POLLIN, 0};
    if (poll(&ready, 1, -1) < 0 && errno != EINTR) break;
    std::lock_guard lock(stream.mutex);
    if (!take_available(stream, on_line_)) break;
  }
  std::lock_guard lock(stream.mutex);
  if (!stream.partial.empty() && on_line_) on_line_(stream.partial);
  stream.partial.clear();
  close(stream.fd);
  stream.fd = -1;
}

void ChildProcess::flush_output() {
  for (Stream* stream : {&stdout_, &stderr_}) {
    std::lock_guard lock(stream->mutex);
    // At end of file the reader thread delivers the last partial line and closes the pipe: leave both to it.
    if (stream->fd >= 0) take_available(*stream, on_line_);
  }
}

std::string describe_exit(int status) {
  if (WIFEXITED(status)) return "exit status " + std::to_string(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) {
    int sig = WTERMSIG(status);
    return std::string("signal: ") + (sig == SIGKILL ? "killed" : strsignal(sig));
  }
  return "status " + std::to_string(status);
}

}  // namespace pingwatch::local::lambda
