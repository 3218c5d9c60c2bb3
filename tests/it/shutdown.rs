//! Graceful shutdown of the real binary: on SIGTERM the requests in flight finish and new
//! connections are refused; a second signal, or the grace period running out, ends it.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::process::Process;

const BODY: &[u8] = b"Action=ListUsers&Version=2010-05-08";

/// A request whose headers and first half of the body are sent: in flight until the rest is.
async fn half_sent(process: &Process) -> TcpStream {
    let mut stream = TcpStream::connect(process.addr).await.unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\n\
         Content-Length: {}\r\n\r\n",
        process.addr,
        BODY.len()
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&BODY[..10]).await.unwrap();
    // Give the server the time to start reading it.
    tokio::time::sleep(Duration::from_millis(300)).await;
    stream
}

#[tokio::test]
async fn sigterm_finishes_requests_in_flight_and_refuses_new_ones() {
    let mut process = Process::start(&[]).await;
    let mut in_flight = half_sent(&process).await;
    process.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(
        TcpStream::connect(process.addr).await.is_err(),
        "a new connection after SIGTERM is refused"
    );
    assert!(
        process.exited_within(Duration::ZERO).await.is_none(),
        "still serving the request in flight"
    );

    in_flight.write_all(&BODY[10..]).await.unwrap();
    let mut answer = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), in_flight.read_to_end(&mut answer))
        .await
        .expect("answered in time")
        .unwrap();
    let answer = String::from_utf8_lossy(&answer);
    // Unsigned, so refused; what matters is that it was answered, not dropped.
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    assert!(answer.contains("MissingAuthenticationToken"), "{answer}");

    let status = process
        .exited_within(Duration::from_secs(10))
        .await
        .expect("exits once the request is done");
    assert!(status.success(), "{status}");
}

#[tokio::test]
async fn a_second_signal_ends_it_at_once() {
    let mut process = Process::start(&[]).await;
    let _in_flight = half_sent(&process).await;
    process.signal("TERM");
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(process.exited_within(Duration::ZERO).await.is_none());
    let started = Instant::now();
    process.signal("INT");
    let status = process
        .exited_within(Duration::from_secs(5))
        .await
        .expect("exits on the second signal");
    assert!(!status.success());
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn the_grace_period_ends_a_stuck_shutdown() {
    let mut process = Process::start(&["--shutdown-timeout-secs", "1"]).await;
    let _in_flight = half_sent(&process).await;
    let started = Instant::now();
    process.signal("TERM");
    let status = process
        .exited_within(Duration::from_secs(10))
        .await
        .expect("exits when the grace period is over");
    assert!(status.success(), "{status}");
    assert!(started.elapsed() >= Duration::from_secs(1));
}
