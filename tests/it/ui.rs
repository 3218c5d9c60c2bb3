//! The web console (`/_iamlocal/ui`) fetched over HTTP: every page is HTML, every value
//! written into it is escaped, the admin token guards it, and the simulator page answers
//! what `SimulatePrincipalPolicy` answers.

use std::time::Duration;

use reqwest::header::{AUTHORIZATION, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};

use crate::common::{ACCOUNT, TestServer, error_of};
use crate::sts::user_with_key;

const PAGES: &[&str] = &[
    "decisions",
    "simulator",
    "entities",
    "time",
    "decisions/rows",
    "decisions/policy?principal=x",
];

const HOSTILE: &str = "<script>alert(1)</script>";

/// Fetches console pages as a browser would, without following redirects.
pub struct Console {
    base: String,
    http: reqwest::Client,
}

pub struct Page {
    pub status: u16,
    pub content_type: String,
    pub location: String,
    pub set_cookie: String,
    pub body: String,
}

impl Console {
    pub fn new(server: &TestServer) -> Console {
        Console {
            base: format!("{}/_iamlocal/ui/", server.endpoint()),
            http: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .timeout(Duration::from_secs(10))
                .build()
                .unwrap(),
        }
    }

    pub async fn fetch(&self, request: reqwest::RequestBuilder) -> Page {
        let response = request.send().await.expect("the server answers");
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned()
        };
        let (content_type, location, set_cookie) =
            (header(CONTENT_TYPE), header(LOCATION), header(SET_COOKIE));
        Page {
            status: response.status().as_u16(),
            content_type,
            location,
            set_cookie,
            body: response.text().await.unwrap(),
        }
    }

    pub async fn get(&self, page: &str) -> Page {
        self.fetch(self.http.get(format!("{}{page}", self.base)))
            .await
    }

    pub async fn post(&self, page: &str, form: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(form)
            .finish();
        let request = self
            .http
            .post(format!("{}{page}", self.base))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(body);
        self.fetch(request).await
    }

    fn with(
        &self,
        page: &str,
        name: reqwest::header::HeaderName,
        value: &str,
    ) -> reqwest::RequestBuilder {
        self.http
            .get(format!("{}{page}", self.base))
            .header(name, value)
    }
}

#[tokio::test]
async fn every_page_is_html_and_the_assets_are_embedded() {
    let server = TestServer::spawn().await;
    let console = Console::new(&server);
    for page in PAGES {
        let answer = console.get(page).await;
        assert_eq!(answer.status, 200, "{page}: {}", answer.body);
        assert_eq!(answer.content_type, "text/html; charset=utf-8", "{page}");
    }
    let css = console.get("style.css").await;
    assert_eq!(
        (css.status, css.content_type.as_str()),
        (200, "text/css; charset=utf-8")
    );
    let js = console.get("console.js").await;
    assert_eq!(js.status, 200);
    assert!(js.content_type.starts_with("text/javascript"));
    // No page reaches for anything off this server.
    let page = console.get("decisions").await.body;
    assert!(
        !page.contains("http://") && !page.contains("https://"),
        "{page}"
    );
    // `/_iamlocal/ui` opens the decisions.
    let index = console.get("").await;
    assert_eq!(
        (index.status, index.location.as_str()),
        (303, "/_iamlocal/ui/decisions")
    );
}

#[tokio::test]
async fn the_admin_token_guards_the_console_as_a_header_a_cookie_or_once_in_the_address() {
    let server = TestServer::spawn_with(|c| c.admin_token = Some("s3 cret".into())).await;
    let console = Console::new(&server);
    for page in PAGES.iter().chain(&["style.css"]) {
        let refused = console.get(page).await;
        assert_eq!(refused.status, 401, "{page}");
        assert!(
            refused.body.contains("?token="),
            "{page}: says how to get in"
        );
    }
    let refused = console.post("time/advance", &[("seconds", "60")]).await;
    assert_eq!(refused.status, 401);
    let bearer = console
        .fetch(console.with("decisions", AUTHORIZATION, "Bearer s3 cret"))
        .await;
    assert_eq!(bearer.status, 200);
    let wrong = console
        .fetch(console.with("decisions", AUTHORIZATION, "Bearer s3cret"))
        .await;
    assert_eq!(wrong.status, 401);

    // `?token=` once: a cookie for the console, and the same address without the token.
    let opened = console.get("decisions?effect=Allow&token=s3+cret").await;
    assert_eq!(opened.status, 303);
    assert_eq!(opened.location, "/_iamlocal/ui/decisions?effect=Allow");
    assert!(
        opened.set_cookie.contains("HttpOnly"),
        "{}",
        opened.set_cookie
    );
    assert!(opened.set_cookie.contains("SameSite=Strict"));
    assert!(opened.set_cookie.contains("Path=/_iamlocal/ui"));
    let cookie = opened.set_cookie.split(';').next().unwrap();
    let with_cookie = console
        .fetch(console.with("entities", COOKIE, cookie))
        .await;
    assert_eq!(with_cookie.status, 200);
    let forged = console
        .fetch(console.with("entities", COOKIE, "iamlocal_admin_token=s3cret"))
        .await;
    assert_eq!(forged.status, 401);
    assert_eq!(console.get("decisions?token=nope").await.status, 401);

    // The cookie is the console's only: the JSON admin API still wants the header.
    let admin = server.admin();
    assert_eq!(admin.call("GET", "clock", None).await.0, 401);
}

#[tokio::test]
async fn hostile_text_in_documents_addresses_and_forms_is_escaped() {
    let server = TestServer::spawn().await;
    let (key, secret) = user_with_key(&server, "bob").await;
    // Names cannot hold `<`, but policy documents can: a condition value, a resource.
    let policy = format!(
        r#"{{"Version": "2012-10-17", "Statement": [
        {{"Sid": "Read", "Effect": "Allow", "Action": "iam:GetUser", "Resource": "arn:aws:iam::{ACCOUNT}:user/{HOSTILE}"}},
        {{"Sid": "NotThem", "Effect": "Deny", "Action": "iam:ListUsers", "Resource": "*",
          "Condition": {{"StringNotEquals": {{"aws:username": "{HOSTILE}"}}}}}}]}}"#
    );
    server
        .iam()
        .put_user_policy()
        .user_name("bob")
        .policy_name("hostile")
        .policy_document(&policy)
        .send()
        .await
        .unwrap();
    let (code, _) = error_of(server.iam_as(&key, &secret).list_users().send().await);
    assert_eq!(code, "AccessDenied");
    let console = Console::new(&server);

    let entities = console.get("entities").await.body;
    assert!(
        entities.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{entities}"
    );

    let list = console.get("decisions?effect=ExplicitDeny").await.body;
    let id = list
        .split("data-id=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the denial is listed");
    let detail = console.get(&format!("decisions/{id}")).await.body;
    assert!(
        detail.contains("&lt;script&gt;alert(1)&lt;/script&gt;"),
        "{detail}"
    );

    let filtered = console
        .get(&format!("decisions?principal={}", url(HOSTILE)))
        .await
        .body;
    assert!(filtered.contains("value=\"&lt;script&gt;"), "{filtered}");

    // A resource policy's Sid may hold any character; the simulator echoes and shows it.
    let resource_policy = format!(
        r#"{{"Version": "2012-10-17", "Statement": [{{"Sid": "{HOSTILE}", "Effect": "Allow",
        "Principal": {{"AWS": "arn:aws:iam::{ACCOUNT}:user/bob"}}, "Action": "s3:GetObject", "Resource": "*"}}]}}"#
    );
    let simulated = console
        .post(
            "simulator",
            &[
                ("principal", &format!("arn:aws:iam::{ACCOUNT}:user/bob")),
                ("resource_policy", &resource_policy),
                ("actions", "s3:GetObject"),
                ("resources", "arn:aws:s3:::bucket/key"),
            ],
        )
        .await
        .body;
    assert!(
        simulated.contains("data-decision=\"allowed\""),
        "{simulated}"
    );
    assert!(
        simulated.contains("class=\"statement matched allow\""),
        "{simulated}"
    );
    for page in [&entities, &detail, &filtered, &simulated] {
        assert!(!page.contains(HOSTILE), "{page}");
    }
}

#[tokio::test]
async fn the_simulator_page_answers_what_simulate_principal_policy_answers() {
    let server = TestServer::spawn().await;
    user_with_key(&server, "bob").await;
    server
        .iam()
        .put_user_policy()
        .user_name("bob")
        .policy_name("p")
        .policy_document(
            r#"{"Version": "2012-10-17", "Statement": [
            {"Sid": "Read", "Effect": "Allow", "Action": "iam:Get*", "Resource": "*"},
            {"Sid": "NoRoles", "Effect": "Deny", "Action": "iam:GetRole", "Resource": "*"}]}"#,
        )
        .send()
        .await
        .unwrap();
    let arn = format!("arn:aws:iam::{ACCOUNT}:user/bob");
    let actions = ["iam:GetUser", "iam:GetRole", "iam:ListUsers"];

    let api = server
        .iam()
        .simulate_principal_policy()
        .policy_source_arn(&arn)
        .set_action_names(Some(actions.map(String::from).to_vec()))
        .send()
        .await
        .unwrap();
    let page = Console::new(&server)
        .post(
            "simulator",
            &[("principal", &arn), ("actions", &actions.join("\n"))],
        )
        .await
        .body;

    for result in api.evaluation_results() {
        let row = format!(
            "data-action=\"{}\" data-resource=\"*\" data-decision=\"{}\"",
            result.eval_action_name(),
            result.eval_decision().as_str()
        );
        assert!(page.contains(&row), "{row} in {page}");
    }
    assert!(page.contains("data-sid=\"NoRoles\""));
    assert!(
        page.contains("class=\"statement matched deny\" data-index=\"1\""),
        "{page}"
    );
}

#[tokio::test]
async fn advancing_the_clock_on_the_page_moves_it_and_lists_pending_changes() {
    let server = TestServer::spawn().await;
    server
        .admin()
        .put("consistency", r#"{"delay_ms": 600000}"#)
        .await;
    server
        .iam()
        .create_user()
        .user_name("late")
        .send()
        .await
        .unwrap();
    let console = Console::new(&server);
    let page = console.get("time").await.body;
    let remaining: u64 = page
        .split("data-remaining-ms=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .and_then(|ms| ms.parse().ok())
        .expect("a countdown");
    assert!((590_000..=600_000).contains(&remaining), "{remaining}");

    let moved = console.post("time/advance", &[("seconds", "601")]).await;
    assert_eq!(moved.status, 303);
    assert!(
        moved.location.starts_with("/_iamlocal/ui/time?done="),
        "{}",
        moved.location
    );
    let clock = server.admin().get("clock").await;
    assert_eq!(clock["offset_seconds"], 601);
    let page = console.get("time").await.body;
    assert!(page.contains("None: every change is visible."), "{page}");

    let refused = console.post("time/advance", &[("seconds", "-5")]).await;
    assert!(refused.location.contains("error="), "{}", refused.location);
}

fn url(text: &str) -> String {
    form_urlencoded::byte_serialize(text.as_bytes()).collect()
}
