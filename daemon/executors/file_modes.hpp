// The daemon's files are private: the database holds trial.env values (API keys), the run
// directories hold the trials' output. hpod sets its umask to 077 at start-up, so
// everything it creates is 0600/0700 whatever umask it was started with; trial processes
// get that original umask back (their checkpoints and outputs are the user's business).
#pragma once

#include <sys/types.h>

#include <optional>
#include <string>

namespace hpod {

// Sets the process umask to 077 and remembers the one it replaces. Call once at start-up,
// before any thread starts and before any file is created.
void make_daemon_files_private();

// The umask the daemon was started with; nullopt when make_daemon_files_private() was
// not called (a test, a tool): then children simply inherit the current one.
std::optional<mode_t> trial_umask();

// "0022": the form `umask` takes in a shell.
std::string umask_text(mode_t mask);

}  // namespace hpod
