#pragma once
// A child process the way Lambda starts a runtime: its own process group (so a timeout kills the whole
// tree), stdout/stderr captured line by line, stdin from /dev/null, a chosen environment and directory.
#include <sys/types.h>

#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace pingwatch::local::lambda {

class ChildProcess {
 public:
  using LineSink = std::function<void(const std::string& line)>;
  using ExitSink = std::function<void(int status)>;   // waitpid status, called once from the reaper thread

  // Starts argv[0] (a path) with its arguments, exactly `environment`, in `directory`. Throws std::runtime_error naming
  // the program when the process cannot be created (a program that exists but cannot exec exits with status 127).
  ChildProcess(const std::vector<std::string>& argv, const std::map<std::string, std::string>& environment,
               const std::string& directory, LineSink on_line, ExitSink on_exit);
  ~ChildProcess();   // kills the process group if still running and joins the helper threads
  ChildProcess(const ChildProcess&) = delete;
  ChildProcess& operator=(const ChildProcess&) = delete;

  pid_t pid() const { return pid_; }
  void kill_group();   // SIGKILL to the whole process group; safe to call more than once
  bool exited() const;
  // Delivers every complete line the child wrote before this call, before returning: what a reader thread has taken
  // from the pipe it delivers first, the rest is read here. Lambda logs a handler's output before its END line; a
  // reader thread that lags on a loaded machine must not let END overtake it.
  void flush_output();

 private:
  // One captured stream. `mutex` is held from taking bytes out of the pipe to handing their lines on, so a flush
  // never sees an empty pipe while lines taken from it are still undelivered.
  struct Stream {
    int fd = -1;
    std::string partial;   // bytes after the last newline
    std::mutex mutex;
  };
  static bool take_available(Stream& stream, const LineSink& on_line);   // false at end of file or on error
  void read_lines(Stream& stream);

  pid_t pid_ = -1;
  LineSink on_line_;
  ExitSink on_exit_;
  mutable std::mutex mutex_;
  bool exited_ = false;
  Stream stdout_, stderr_;
  std::thread stdout_reader_, stderr_reader_, reaper_;
};

// A human-readable "exit status N" / "signal: killed" for a waitpid status, as Lambda reports runtime exits.
std::string describe_exit(int status);

}  // namespace pingwatch::local::lambda
