#!/usr/bin/python3
"""scripts/bootstrap.sh's install path, with fake apt-get, dpkg-query, id and sudo on PATH:
it must exit 0 after installing whether or not the image already has a policy-rc.d (a bare
Debian image does), restore the image's state, and work for root and for a sudo user."""
import os
import subprocess
import tempfile
import unittest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
BOOTSTRAP = os.path.join(ROOT, "scripts", "bootstrap.sh")


class BootstrapTest(unittest.TestCase):
    def setUp(self):
        self.tmp = tempfile.TemporaryDirectory(prefix="hpod-bootstrap-")
        self.bin = os.path.join(self.tmp.name, "bin")
        os.mkdir(self.bin)
        self.calls = os.path.join(self.tmp.name, "calls")
        self.policy = os.path.join(self.tmp.name, "policy-rc.d")

    def tearDown(self):
        self.tmp.cleanup()

    def fake(self, name, body):
        path = os.path.join(self.bin, name)
        with open(path, "w") as f:
            f.write("#!/bin/sh\n" + body + "\n")
        os.chmod(path, 0o755)

    def run_bootstrap(self, uid="0", sudo=False, installed=False):
        status = "install ok installed" if installed else ""
        self.fake("dpkg-query", "printf '%s' '" + status + "'")
        # apt-get records whether the policy file denied service starts while it ran.
        self.fake("apt-get", 'echo "apt-get $* policy=$(test -x %s && echo yes || echo no)" >> %s'
                  % (self.policy, self.calls))
        self.fake("id", 'if [ "$1" = -u ]; then echo %s; else /usr/bin/id "$@"; fi' % uid)
        if sudo:
            self.fake("sudo", 'echo "sudo $1" >> %s; exec "$@"' % self.calls)
        env = {"PATH": self.bin + ":/usr/bin:/bin", "HPOD_POLICY_RC": self.policy, "HOME": self.tmp.name}
        if not sudo and os.path.exists("/usr/bin/sudo"):
            self.skipTest("a real sudo is on this machine's PATH")
        return subprocess.run(["bash", BOOTSTRAP, "--minimal"], env=env, capture_output=True, text=True, timeout=60)

    def calls_made(self):
        if not os.path.exists(self.calls):
            return []
        with open(self.calls) as f:
            return f.read().splitlines()

    def test_root_with_an_existing_policy_file_exits_0_and_keeps_it(self):
        with open(self.policy, "w") as f:
            f.write("#!/bin/sh\nexit 101\n")
        os.chmod(self.policy, 0o755)
        r = self.run_bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("bootstrap: done", r.stderr)
        installs = [c for c in self.calls_made() if " install " in c]
        self.assertEqual(len(installs), 1, self.calls_made())
        self.assertIn("policy=yes", installs[0])
        self.assertTrue(os.path.exists(self.policy), "the image's own policy file was removed")

    def test_root_without_a_policy_file_adds_one_for_the_install_then_removes_it(self):
        r = self.run_bootstrap()
        self.assertEqual(r.returncode, 0, r.stderr)
        installs = [c for c in self.calls_made() if " install " in c]
        self.assertEqual(len(installs), 1, self.calls_made())
        self.assertIn("policy=yes", installs[0])
        self.assertFalse(os.path.exists(self.policy))

    def test_a_sudo_user_installs_through_sudo(self):
        r = self.run_bootstrap(uid="1000", sudo=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(any(c.startswith("sudo apt-get") for c in self.calls_made()), self.calls_made())

    def test_a_user_without_sudo_is_told_what_to_do(self):
        r = self.run_bootstrap(uid="1000")
        self.assertEqual(r.returncode, 1)
        self.assertIn("run as root", r.stderr)
        self.assertEqual(self.calls_made(), [])

    def test_nothing_missing_installs_nothing(self):
        r = self.run_bootstrap(installed=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("present", r.stderr)
        self.assertEqual(self.calls_made(), [])


if __name__ == "__main__":
    unittest.main()
