//! The real `iamlocal` binary as a child process, for what only a process shows: a SIGKILL
//! mid-write, a SIGTERM with requests in flight.

use std::net::{SocketAddr, TcpListener};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use aws_credential_types::Credentials;

use crate::common::{Admin, ROOT_KEY, ROOT_SECRET, iam_at};

pub struct Process {
    child: Child,
    pub addr: SocketAddr,
}

impl Process {
    /// Starts the binary on a free port with `args` and waits until it answers its health
    /// check.
    pub async fn start(args: &[&str]) -> Process {
        Self::start_logging(args, "warn", Stdio::inherit()).await
    }

    /// [`Process::start`], logging what `IAMLOCAL_LOG=filter` lets through to `log`.
    pub async fn start_logging(args: &[&str], filter: &str, log: Stdio) -> Process {
        let addr = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_iamlocal"))
            .arg("--listen")
            .arg(addr.to_string())
            .args(args)
            .env("IAMLOCAL_LOG", filter)
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("the binary starts");
        let process = Process { child, addr };
        let deadline = Instant::now() + Duration::from_secs(60);
        let health = format!("http://{addr}/_iamlocal/health");
        loop {
            if let Ok(response) = reqwest::get(&health).await
                && response.status().is_success()
            {
                return process;
            }
            assert!(Instant::now() < deadline, "iamlocal did not come up");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    #[allow(dead_code, reason = "not every test module uses the admin API")]
    pub fn admin(&self) -> Admin {
        Admin::at(&format!("http://{}", self.addr))
    }

    pub fn iam(&self) -> aws_sdk_iam::Client {
        iam_at(
            &format!("http://{}", self.addr),
            Credentials::new(ROOT_KEY, ROOT_SECRET, None, None, "test"),
        )
    }

    /// Sends a signal by name (`TERM`, `INT`) to this child, by its PID.
    pub fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .arg(format!("-{name}"))
            .arg(self.child.id().to_string())
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// SIGKILL: no chance to flush or close anything.
    pub fn kill(&mut self) {
        self.child.kill().expect("the child is killed");
        self.child.wait().expect("the child is reaped");
    }

    /// Waits up to `limit` for the child to exit.
    pub async fn exited_within(&mut self, limit: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + limit;
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }
}

impl Drop for Process {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A fresh directory under the system's temp dir, removed when dropped.
pub struct TempDir(PathBuf);

impl TempDir {
    pub fn new() -> TempDir {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let dir = std::env::temp_dir().join(format!("iamlocal-it-{}-{nanos}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        TempDir(dir)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
