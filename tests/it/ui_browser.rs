//! The web console in a real headless Chromium, driven over WebDriver: what a person sees
//! when a test is denied, when they try a policy in the simulator, and when they move the
//! clock. Needs Debian's `chromium` and `chromium-driver`, which tests/install-browser.sh
//! installs when they are missing; if it cannot, these tests fail and say so. A failing
//! scenario leaves a screenshot in `target/tmp/ui-failures/`.

use std::future::Future;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
/// The key WebDriver names an element by (W3C WebDriver, "web element identifier").
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";
/// How long a page may take to show what a test waits for.
const WAIT: Duration = Duration::from_secs(15);
const TOKEN: &str = "console-token";

/// Installs Chromium and ChromeDriver when they are missing (Debian's packages, through
/// tests/install-browser.sh), so a fresh machine needs nothing but `cargo test`.
fn install_browser() {
    if Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists() {
        return;
    }
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/install-browser.sh");
    let status = Command::new(&script).status();
    assert!(
        matches!(status, Ok(s) if s.success())
            && Path::new(CHROMEDRIVER).exists()
            && Path::new(CHROMIUM).exists(),
        "the browser tests need {CHROMIUM} and {CHROMEDRIVER}, and {} could not install \
         them ({status:?}): install Debian's chromium and chromium-driver",
        script.display()
    );
}

/// `chromedriver` on a free loopback port. Dropped, it ends the browser sessions still open
/// (killing chromedriver alone would leave Chromium running), then stops by its PID.
struct Driver {
    child: Child,
    base: String,
    port: u16,
    sessions: Arc<Mutex<Vec<String>>>,
}

impl Driver {
    async fn start() -> Driver {
        install_browser();
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("chromedriver starts");
        let driver = Driver {
            child,
            base: format!("http://127.0.0.1:{port}"),
            port,
            sessions: Arc::default(),
        };
        let http = client();
        let started = Instant::now();
        loop {
            let ready = http
                .get(format!("{}/status", driver.base))
                .send()
                .await
                .ok()
                .filter(|r| r.status().is_success());
            if ready.is_some() {
                return driver;
            }
            assert!(
                started.elapsed() < WAIT,
                "chromedriver did not answer in time"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let sessions =
            std::mem::take(&mut *self.sessions.lock().unwrap_or_else(|e| e.into_inner()));
        for id in sessions {
            delete_session_blocking(self.port, &id);
        }
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `DELETE /session/ID` by hand, blocking, for `Drop` (no runtime there); errors are ignored.
fn delete_session_blocking(port: u16, id: &str) {
    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else {
        return;
    };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let _ = stream.set_write_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{id} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(60))
        .build()
        .unwrap()
}

/// One browser session: a minimal WebDriver client over JSON.
#[derive(Clone)]
struct Browser {
    session: String,
    http: reqwest::Client,
}

impl Browser {
    async fn open(driver: &Driver) -> Browser {
        let http = client();
        let capabilities = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {
                "binary": CHROMIUM,
                "args": ["--headless=new", "--no-sandbox", "--disable-gpu",
                         "--disable-dev-shm-usage", "--window-size=1280,900"],
            },
        }}});
        let answer = send(
            &http,
            "POST",
            &format!("{}/session", driver.base),
            Some(capabilities),
        )
        .await;
        let id = answer["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("no session: {answer}"));
        driver
            .sessions
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .push(id.to_owned());
        Browser {
            session: format!("{}/session/{id}", driver.base),
            http,
        }
    }

    async fn call(&self, method: &str, path: &str, body: Option<Value>) -> Value {
        send(&self.http, method, &format!("{}{path}", self.session), body).await
    }

    async fn goto(&self, url: &str) {
        self.call("POST", "/url", Some(json!({ "url": url }))).await;
    }

    async fn url(&self) -> String {
        self.call("GET", "/url", None)
            .await
            .as_str()
            .unwrap_or("")
            .to_owned()
    }

    async fn find_all(&self, css: &str) -> Vec<String> {
        let found = self
            .call(
                "POST",
                "/elements",
                Some(json!({"using": "css selector", "value": css})),
            )
            .await;
        found
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|e| e[ELEMENT].as_str().map(str::to_owned))
            .collect()
    }

    /// The first element `css` selects, once the page shows one.
    async fn wait_for(&self, css: &str) -> String {
        let started = Instant::now();
        loop {
            if let Some(element) = self.find_all(css).await.into_iter().next() {
                return element;
            }
            assert!(
                started.elapsed() < WAIT,
                "no {css} on {} in time",
                self.url().await
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    async fn click(&self, element: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/click"),
            Some(json!({})),
        )
        .await;
    }

    async fn type_into(&self, element: &str, text: &str) {
        self.call(
            "POST",
            &format!("/element/{element}/clear"),
            Some(json!({})),
        )
        .await;
        self.call(
            "POST",
            &format!("/element/{element}/value"),
            Some(json!({ "text": text })),
        )
        .await;
    }

    async fn text(&self, element: &str) -> String {
        let text = self
            .call("GET", &format!("/element/{element}/text"), None)
            .await;
        text.as_str().unwrap_or("").to_owned()
    }

    async fn attribute(&self, element: &str, name: &str) -> String {
        let value = self
            .call("GET", &format!("/element/{element}/attribute/{name}"), None)
            .await;
        value.as_str().unwrap_or("").to_owned()
    }

    async fn screenshot(&self, to: &Path) {
        let png = self.call("GET", "/screenshot", None).await;
        if let Some(bytes) = png.as_str().and_then(base64_decode) {
            let _ = std::fs::create_dir_all(to.parent().unwrap());
            let _ = std::fs::write(to, bytes);
            eprintln!("screenshot of the failing page: {}", to.display());
        }
    }

    async fn close(&self) {
        let _ = self.http.delete(&self.session).send().await;
    }

    /// Runs a scenario; when it fails, saves a screenshot before passing the failure on.
    async fn run<F>(self, name: &str, scenario: impl FnOnce(Browser) -> F)
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let outcome = tokio::spawn(scenario(self.clone())).await;
        if let Err(failure) = outcome {
            let to = PathBuf::from(env!("CARGO_TARGET_TMPDIR"))
                .join("ui-failures")
                .join(format!("{name}.png"));
            self.screenshot(&to).await;
            self.close().await;
            std::panic::resume_unwind(failure.into_panic());
        }
        self.close().await;
    }
}

async fn send(http: &reqwest::Client, method: &str, url: &str, body: Option<Value>) -> Value {
    let method = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request
            .header("content-type", "application/json")
            .body(body.to_string());
    }
    let response = request
        .send()
        .await
        .unwrap_or_else(|e| panic!("WebDriver {method} {url}: {e}"));
    let status = response.status();
    let text = response.text().await.unwrap();
    let answer: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
    assert!(
        status.is_success(),
        "WebDriver {method} {url}: {status} {text}"
    );
    answer["value"].clone()
}

/// Standard base64 (RFC 4648), as WebDriver sends screenshots.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() / 4 * 3);
    let (mut bits, mut count) = (0u32, 0);
    for c in text
        .bytes()
        .filter(|&c| c != b'=' && !c.is_ascii_whitespace())
    {
        bits = (bits << 6) | value(c)?;
        count += 6;
        if count >= 8 {
            count -= 8;
            out.push((bits >> count) as u8);
        }
    }
    Some(out)
}

/// A server with the admin token set, the browser let in by `?token=` once.
async fn console(driver: &Driver) -> (TestServer, Browser) {
    let server = TestServer::spawn_with(|c| c.admin_token = Some(TOKEN.into())).await;
    let browser = Browser::open(driver).await;
    // Without the token the console refuses.
    browser
        .goto(&format!("{}/_iamlocal/ui/time", server.endpoint()))
        .await;
    let refused = browser.wait_for("h1").await;
    assert_eq!(browser.text(&refused).await, "Admin token needed");
    browser
        .goto(&format!(
            "{}/_iamlocal/ui/time?token={TOKEN}",
            server.endpoint()
        ))
        .await;
    assert_eq!(
        browser.url().await,
        format!("{}/_iamlocal/ui/time", server.endpoint())
    );
    (server, browser)
}

const BOB_POLICY: &str = r#"{"Version": "2012-10-17", "Statement": [
    {"Sid": "ReadUsers", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "*"},
    {"Sid": "NoDeletes", "Effect": "Deny", "Action": "iam:DeleteUser", "Resource": "*"}]}"#;

async fn bob(server: &TestServer) -> aws_sdk_iam::Client {
    let (key, secret) = user_with_key(server, "bob").await;
    server
        .iam()
        .put_user_policy()
        .user_name("bob")
        .policy_name("bob-policy")
        .policy_document(BOB_POLICY)
        .send()
        .await
        .unwrap();
    server.iam_as(&key, &secret)
}

#[tokio::test]
async fn a_denied_request_appears_in_decisions_with_its_message_and_deciding_statement() {
    let driver = Driver::start().await;
    let (server, browser) = console(&driver).await;
    let base = server.endpoint();
    let bob = bob(&server).await;
    browser
        .run("denied_request", move |b| async move {
            b.goto(&format!(
                "{base}/_iamlocal/ui/decisions?effect=ExplicitDeny"
            ))
            .await;
            b.wait_for("#decision-rows").await;
            // The page is open before the request: polling brings the row in.
            let (code, message) = error_of(bob.delete_user().user_name("carol").send().await);
            assert_eq!(code, "AccessDenied");
            let link = b.wait_for("tr.effect-ExplicitDeny a").await;
            let row = b.wait_for("tr.effect-ExplicitDeny").await;
            let text = b.text(&row).await;
            assert!(text.contains("iam:DeleteUser"), "{text}");
            assert!(
                text.contains(&format!("arn:aws:iam::{ACCOUNT}:user/bob")),
                "{text}"
            );
            b.click(&link).await;

            let shown = b.wait_for("#denial-message").await;
            assert_eq!(b.text(&shown).await, message);
            let decided_by = b.wait_for("#decided-by").await;
            assert_eq!(b.text(&decided_by).await, "identity");
            let matched = b.find_all(".statement.matched").await;
            assert_eq!(matched.len(), 1, "one statement is highlighted");
            assert_eq!(b.attribute(&matched[0], "data-sid").await, "NoDeletes");
            assert!(b.attribute(&matched[0], "class").await.contains("deny"));
            assert!(b.text(&matched[0]).await.contains("matched (Deny)"));

            // The least-privilege policy for bob, one click away.
            let link = b
                .wait_for("a[href^='/_iamlocal/ui/decisions/policy']")
                .await;
            b.click(&link).await;
            let policy = b.wait_for("#least-privilege").await;
            assert!(b.text(&policy).await.contains("iam:DeleteUser"));
        })
        .await;
    drop(server);
}

#[tokio::test]
async fn the_simulator_page_answers_as_simulate_principal_policy_does() {
    let driver = Driver::start().await;
    let (server, browser) = console(&driver).await;
    bob(&server).await;
    let arn = format!("arn:aws:iam::{ACCOUNT}:user/bob");
    let actions = ["iam:GetUser", "iam:DeleteUser", "iam:ListRoles"];
    let resource = format!("arn:aws:iam::{ACCOUNT}:user/carol");
    let api = server
        .iam()
        .simulate_principal_policy()
        .policy_source_arn(&arn)
        .set_action_names(Some(actions.map(String::from).to_vec()))
        .resource_arns(&resource)
        .send()
        .await
        .unwrap();
    let expected: Vec<(String, String)> = api
        .evaluation_results()
        .iter()
        .map(|r| {
            (
                r.eval_action_name().to_owned(),
                r.eval_decision().as_str().to_owned(),
            )
        })
        .collect();
    assert_eq!(expected.len(), 3);
    let base = server.endpoint();
    browser
        .run("simulator", move |b| async move {
            b.goto(&format!("{base}/_iamlocal/ui/simulator")).await;
            let option = b
                .wait_for(&format!("#principal option[value='{arn}']"))
                .await;
            b.click(&option).await;
            let field = b.wait_for("#actions").await;
            b.type_into(&field, &actions.join("\n")).await;
            let field = b.wait_for("#resources").await;
            b.type_into(&field, &resource).await;
            let submit = b.wait_for("#simulate").await;
            b.click(&submit).await;

            b.wait_for("tr.result").await;
            let mut shown = Vec::new();
            for row in b.find_all("tr.result").await {
                shown.push((
                    b.attribute(&row, "data-action").await,
                    b.attribute(&row, "data-decision").await,
                ));
                assert_eq!(b.attribute(&row, "data-resource").await, resource);
            }
            assert_eq!(shown, expected);
            let highlighted: Vec<String> = {
                let mut sids = Vec::new();
                for s in b.find_all(".statement.matched").await {
                    sids.push(b.attribute(&s, "data-sid").await);
                }
                sids
            };
            assert_eq!(highlighted, ["ReadUsers", "NoDeletes"]);
        })
        .await;
    drop(server);
}

#[tokio::test]
async fn advancing_the_clock_on_the_page_expires_a_session() {
    let driver = Driver::start().await;
    let (server, browser) = console(&driver).await;
    let (key, secret) = user_with_key(&server, "alice").await;
    let iam = server.iam();
    iam.create_role()
        .role_name("worker")
        .assume_role_policy_document(format!(
            r#"{{"Version": "2012-10-17", "Statement": [{{"Effect": "Allow",
            "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:user/alice"}}, "Action": "sts:AssumeRole"}}]}}"#
        ))
        .send()
        .await
        .unwrap();
    let credentials = server
        .sts_as(&key, &secret)
        .assume_role()
        .role_arn(format!("arn:aws:iam::{ACCOUNT}:role/worker"))
        .role_session_name("job")
        .duration_seconds(900)
        .send()
        .await
        .unwrap()
        .credentials
        .unwrap();
    let sts = server.sts_temp(&credentials);
    sts.get_caller_identity()
        .send()
        .await
        .expect("valid for now");
    let key = credentials.access_key_id.clone();
    let base = server.endpoint();
    browser
        .run("clock", move |b| async move {
            b.goto(&format!("{base}/_iamlocal/ui/time")).await;
            let session = format!("tr[data-access-key-id='{key}']");
            let row = b.wait_for(&format!("{session}.active")).await;
            assert!(b.text(&row).await.contains("assumed-role/worker/job"));
            let seconds = b.wait_for("#seconds").await;
            b.type_into(&seconds, "901").await;
            let advance = b.wait_for("#advance").await;
            b.click(&advance).await;
            let row = b.wait_for(&format!("{session}.expired")).await;
            assert!(b.text(&row).await.contains("expired"));
        })
        .await;
    let (code, _) = error_of(sts.get_caller_identity().send().await);
    assert_eq!(code, "ExpiredToken");
    drop(server);
}

#[test]
fn base64_decodes_as_rfc_4648_says() {
    assert_eq!(base64_decode("aGVsbG8=").unwrap(), b"hello");
    assert_eq!(base64_decode("Zm9vYmFy").unwrap(), b"foobar");
    assert_eq!(base64_decode("Zg==").unwrap(), b"f");
    assert!(base64_decode("*").is_none());
}
