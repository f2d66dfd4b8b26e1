//! The receiver over real TCP on loopback, with a sink that records what it is given.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use chrono::NaiveDate;
use models::domain::hj212::{Cp, Flag, Item, Packet, cn, data_ack_frame, decode_frame, encode, st};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use tokio::time::timeout;

use super::metrics::{CONNECTIONS_REFUSED_TOTAL, FRAMES_TOTAL, REJECTS_TOTAL};
use super::{FrameSink, Hj212Config, Outcome, Received, Server, SinkError};

/// Flag 5: version 1, acknowledgement requested. Flag 4: version 1, none.
const ACK: u8 = 5;
const NO_ACK: u8 = 4;
/// Flag 7: version 1, split, acknowledgement requested.
const SPLIT_ACK: u8 = 7;

/// How long to watch a socket to conclude that nothing is coming.
const QUIET: Duration = Duration::from_millis(300);
/// Bound on every wait for something that should happen, so a broken receiver fails instead of hanging.
const PATIENCE: Duration = Duration::from_secs(10);

// ---------------------------------------------------------------------------------------------------
// The sink

#[derive(Debug, Clone, Copy, Default)]
enum Mode {
    #[default]
    Store,
    Fail,
    Refuse(&'static str),
    /// Answers one outcome too few.
    Miscount,
}

#[derive(Debug, Default)]
struct TestSink {
    mode: Mode,
    /// Slept in every `store`, after the group is recorded.
    delay: Duration,
    groups: Mutex<Vec<Vec<Received>>>,
}

impl TestSink {
    fn failing() -> Self {
        Self { mode: Mode::Fail, ..Self::default() }
    }

    fn refusing(reason: &'static str) -> Self {
        Self { mode: Mode::Refuse(reason), ..Self::default() }
    }

    fn slow(delay: Duration) -> Self {
        Self { delay, ..Self::default() }
    }

    fn groups(&self) -> Vec<Vec<Received>> {
        self.groups.lock().expect("not poisoned").clone()
    }

    fn received(&self) -> Vec<Received> {
        self.groups().concat()
    }
}

impl FrameSink for TestSink {
    async fn store(&self, group: Vec<Received>) -> Result<Vec<Outcome>, SinkError> {
        let size = group.len();
        self.groups.lock().expect("not poisoned").push(group);
        tokio::time::sleep(self.delay).await;
        match self.mode {
            Mode::Store => Ok(vec![Outcome::Stored; size]),
            Mode::Fail => Err(SinkError::new("the database is down")),
            Mode::Refuse(reason) => Ok(vec![Outcome::Refused { reason }; size]),
            Mode::Miscount => Ok(vec![Outcome::Stored; size - 1]),
        }
    }
}

// ---------------------------------------------------------------------------------------------------
// The server

struct TestServer {
    addr: SocketAddr,
    sink: Arc<TestSink>,
    stop: oneshot::Sender<()>,
    task: JoinHandle<()>,
}

/// Timeouts long enough never to fire unless a test shortens them.
fn config() -> Hj212Config {
    Hj212Config {
        addr: SocketAddr::from(([127, 0, 0, 1], 0)),
        read_timeout: Duration::from_secs(60),
        frame_timeout: Duration::from_secs(60),
        ..Hj212Config::default()
    }
}

async fn start(config: Hj212Config, sink: TestSink) -> TestServer {
    let sink = Arc::new(sink);
    let server = Server::bind(config, sink.clone()).await.expect("bind on loopback");
    let addr = server.local_addr().expect("bound");
    let (stop, stopped) = oneshot::channel::<()>();
    let task = tokio::spawn(server.serve(async {
        let _ = stopped.await;
    }));
    TestServer { addr, sink, stop, task }
}

impl TestServer {
    async fn connect(&self) -> TcpStream {
        let stream = TcpStream::connect(self.addr).await.expect("connect");
        stream.set_nodelay(true).expect("nodelay");
        stream
    }

    /// Waits until the sink has been given `n` messages in all, and returns them.
    async fn received(&self, n: usize) -> Vec<Received> {
        let waited = timeout(PATIENCE, async {
            loop {
                let received = self.sink.received();
                if received.len() >= n {
                    return received;
                }
                tokio::time::sleep(Duration::from_millis(5)).await;
            }
        });
        waited.await.unwrap_or_else(|_| panic!("the sink got {} messages, not {n}", self.sink.received().len()))
    }

    async fn stop(self) {
        let _ = self.stop.send(());
        timeout(PATIENCE, self.task).await.expect("serve returns after shutdown").expect("serve did not panic");
    }
}

// ---------------------------------------------------------------------------------------------------
// Frames and the client side

/// An hourly upload from `mn` with one item per value.
fn upload(mn: &str, qn: &str, flag: u8, values: &[f64]) -> Packet {
    Packet {
        qn: Some(qn.into()),
        st: st::SURFACE_WATER.into(),
        cn: cn::HOURLY.into(),
        pw: Some("123456".into()),
        mn: mn.into(),
        flag: Some(Flag(flag)),
        cp: Cp {
            data_time: NaiveDate::from_ymd_opt(2026, 5, 12).and_then(|d| d.and_hms_opt(8, 0, 0)),
            items: values
                .iter()
                .enumerate()
                .map(|(i, v)| Item { code: format!("w0100{i}"), avg: Some(*v), ..Item::default() })
                .collect(),
            fields: Vec::new(),
        },
        ..Packet::default()
    }
}

fn frame(packet: &Packet) -> Vec<u8> {
    encode(packet).expect("a test packet encodes").into_bytes()
}

fn qn(i: usize) -> String {
    format!("20260512090000{i:03}")
}

/// Reads until `n` CR LF-terminated frames have come, and returns them as sent.
async fn read_frames(stream: &mut TcpStream, n: usize) -> Vec<String> {
    let mut bytes = Vec::new();
    let mut buf = [0; 1024];
    let reading = async {
        while bytes.windows(2).filter(|w| w == b"\r\n").count() < n {
            match stream.read(&mut buf).await {
                Ok(0) => panic!("closed after {} bytes: {:?}", bytes.len(), String::from_utf8_lossy(&bytes)),
                Ok(read) => bytes.extend_from_slice(&buf[..read]),
                Err(e) => panic!("read failed: {e}"),
            }
        }
    };
    timeout(PATIENCE, reading).await.unwrap_or_else(|_| panic!("fewer than {n} frames arrived"));
    let text = String::from_utf8(bytes).expect("replies are ASCII");
    text.split_inclusive("\r\n").map(str::to_string).collect()
}

/// Asserts that nothing arrives for a while and the connection stays open.
async fn assert_nothing_arrives(stream: &mut TcpStream) {
    let mut buf = [0; 256];
    match timeout(QUIET, stream.read(&mut buf)).await {
        Err(_) => {}
        Ok(Ok(0)) => panic!("the connection was closed"),
        Ok(Ok(n)) => panic!("unexpected reply {:?}", String::from_utf8_lossy(&buf[..n])),
        Ok(Err(e)) => panic!("read failed: {e}"),
    }
}

/// Asserts that the server closes the connection (end of stream or reset) without sending anything.
async fn assert_closed(stream: &mut TcpStream) {
    let mut buf = [0; 256];
    match timeout(PATIENCE, stream.read(&mut buf)).await {
        Err(_) => panic!("the connection is still open"),
        Ok(Ok(0)) => {}
        Ok(Ok(n)) => panic!("unexpected reply {:?}", String::from_utf8_lossy(&buf[..n])),
        Ok(Err(e)) => assert_eq!(e.kind(), ErrorKind::ConnectionReset, "{e}"),
    }
}

/// Sends one acknowledged upload and checks its 9014 comes back.
async fn assert_served(stream: &mut TcpStream, packet: &Packet) {
    stream.write_all(&frame(packet)).await.expect("write");
    assert_eq!(read_frames(stream, 1).await, [data_ack_frame(packet).expect("ack")]);
}

// ---------------------------------------------------------------------------------------------------
// Metrics: one recorder for the whole test binary, counting counters by `name{label=value}`. Tests run
// in parallel and only ever add, so a test checks how much its own actions added at least.

type Counts = Arc<Mutex<HashMap<String, Arc<AtomicU64>>>>;

struct CountingRecorder(Counts);

impl metrics::Recorder for CountingRecorder {
    fn describe_counter(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}
    fn describe_gauge(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}
    fn describe_histogram(&self, _: metrics::KeyName, _: Option<metrics::Unit>, _: metrics::SharedString) {}

    fn register_counter(&self, key: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Counter {
        let labels: Vec<String> = key.labels().map(|l| format!("{}={}", l.key(), l.value())).collect();
        let name = format!("{}{{{}}}", key.name(), labels.join(","));
        let count = self.0.lock().expect("not poisoned").entry(name).or_default().clone();
        metrics::Counter::from_arc(count)
    }

    fn register_gauge(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Gauge {
        metrics::Gauge::noop()
    }

    fn register_histogram(&self, _: &metrics::Key, _: &metrics::Metadata<'_>) -> metrics::Histogram {
        metrics::Histogram::noop()
    }
}

/// The count so far of counter `name` with the one label `label` (`reason=bad_crc`).
fn count(name: &str, label: &str) -> u64 {
    static COUNTS: OnceLock<Counts> = OnceLock::new();
    let counts = COUNTS.get_or_init(|| {
        let counts = Counts::default();
        metrics::set_global_recorder(CountingRecorder(counts.clone())).expect("the only recorder of the tests");
        counts
    });
    let key = format!("{name}{{{label}}}");
    counts.lock().expect("not poisoned").get(&key).map_or(0, |c| c.load(Ordering::Relaxed))
}

// ---------------------------------------------------------------------------------------------------
// Acknowledgements

#[tokio::test]
async fn a_frame_asking_for_an_ack_is_stored_then_answered_with_the_exact_9014() {
    let server = start(config(), TestSink::default()).await;
    let mut client = server.connect().await;
    let packet = upload("RC0001", &qn(1), ACK, &[7.4, 0.52]);
    client.write_all(&frame(&packet)).await.expect("write");

    let replies = read_frames(&mut client, 1).await;
    assert_eq!(replies, [data_ack_frame(&packet).expect("ack")]);
    // Counted by hand: 69 bytes of data segment.
    let segment = format!("QN={};ST=91;CN=9014;PW=123456;MN=RC0001;Flag=4;CP=&&&&", qn(1));
    assert!(replies[0].starts_with(&format!("##0069{segment}")), "{}", replies[0]);
    let reply = decode_frame(replies[0].as_bytes()).expect("the reply's check code is right");
    assert_eq!((reply.cn.as_str(), reply.flag), (cn::DATA_ACK, Some(Flag(NO_ACK))));
    let received = server.received(1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].packet, packet);
    assert_eq!(received[0].peer, client.local_addr().expect("client address"));
    assert_nothing_arrives(&mut client).await;
    server.stop().await;
}

#[tokio::test]
async fn a_frame_not_asking_for_an_ack_is_stored_and_not_answered() {
    let server = start(config(), TestSink::default()).await;
    let mut client = server.connect().await;
    let packet = upload("RC0001", &qn(1), NO_ACK, &[7.4]);
    client.write_all(&frame(&packet)).await.expect("write");

    assert_eq!(server.received(1).await[0].packet, packet);
    assert_nothing_arrives(&mut client).await;
    server.stop().await;
}

#[tokio::test]
async fn a_failed_commit_is_not_acknowledged_and_the_connection_goes_on() {
    let failed_before = count(REJECTS_TOTAL, "reason=commit_failed");
    let server = start(config(), TestSink::failing()).await;
    let mut client = server.connect().await;
    client.write_all(&frame(&upload("RC0001", &qn(1), ACK, &[7.4]))).await.expect("write");
    server.received(1).await;
    assert_nothing_arrives(&mut client).await;

    client.write_all(&frame(&upload("RC0001", &qn(2), ACK, &[7.5]))).await.expect("write");
    let received = server.received(2).await;
    assert_eq!(received[1].packet.qn, Some(qn(2)), "the device's next frame still reaches the sink");
    assert_nothing_arrives(&mut client).await;
    assert!(count(REJECTS_TOTAL, "reason=commit_failed") >= failed_before + 2);
    server.stop().await;
}

#[tokio::test]
async fn a_frame_the_sink_refuses_is_not_acknowledged() {
    let refused_before = count(REJECTS_TOTAL, "reason=refused:unknown_device");
    let server = start(config(), TestSink::refusing("unknown_device")).await;
    let mut client = server.connect().await;
    client.write_all(&frame(&upload("NOBODY", &qn(1), ACK, &[7.4]))).await.expect("write");
    assert_eq!(server.received(1).await[0].packet.mn, "NOBODY");
    assert_nothing_arrives(&mut client).await;
    assert!(count(REJECTS_TOTAL, "reason=refused:unknown_device") > refused_before);
    server.stop().await;
}

#[tokio::test]
async fn a_sink_answering_the_wrong_number_of_outcomes_counts_as_a_failed_commit() {
    let sink = TestSink { mode: Mode::Miscount, ..TestSink::default() };
    let server = start(config(), sink).await;
    let mut client = server.connect().await;
    let two = [frame(&upload("RC0001", &qn(1), ACK, &[1.0])), frame(&upload("RC0001", &qn(2), ACK, &[2.0]))];
    client.write_all(&two.concat()).await.expect("write");
    server.received(2).await;
    assert_nothing_arrives(&mut client).await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// Framing over TCP

#[tokio::test]
async fn a_split_message_written_in_pieces_and_byte_by_byte_reaches_the_sink_once_whole() {
    let server = start(config(), TestSink::default()).await;
    let mut client = server.connect().await;
    let parts: Vec<Packet> = (1..=3)
        .map(|pno| Packet {
            pnum: Some(3),
            pno: Some(pno),
            ..upload("RC0001", &qn(7), SPLIT_ACK, &[f64::from(pno), f64::from(pno) / 10.0])
        })
        .collect();
    // Packet 1 in uneven pieces, packet 3 a byte at a time, packet 2 last and whole.
    let first = frame(&parts[0]);
    for piece in [&first[..5], &first[5..60], &first[60..]] {
        client.write_all(piece).await.expect("write");
        client.flush().await.expect("flush");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    for byte in frame(&parts[2]) {
        client.write_all(&[byte]).await.expect("write");
    }
    tokio::time::sleep(QUIET).await;
    assert!(server.sink.received().is_empty(), "nothing is stored before the last packet");
    client.write_all(&frame(&parts[1])).await.expect("write");

    let received = server.received(1).await;
    assert_eq!(received.len(), 1);
    let whole = &received[0].packet;
    assert_eq!((whole.pnum, whole.pno, whole.flag), (None, None, Some(Flag(ACK))));
    let values: Vec<_> = whole.cp.items.iter().map(|i| i.avg).collect();
    assert_eq!(values, [Some(1.0), Some(0.1), Some(2.0), Some(0.2), Some(3.0), Some(0.3)]);
    // One acknowledgement per packet, all alike: they carry the same QN, PW and MN.
    let ack = data_ack_frame(&parts[0]).expect("ack");
    assert_eq!(read_frames(&mut client, 3).await, [ack.clone(), ack.clone(), ack]);
    assert_nothing_arrives(&mut client).await;
    server.stop().await;
}

#[tokio::test]
async fn garbage_and_a_bad_check_code_are_skipped_and_only_good_frames_are_stored_and_acknowledged() {
    let (bad_crc_before, hourly_before) = (count(REJECTS_TOTAL, "reason=bad_crc"), count(FRAMES_TOTAL, "cn=2061"));
    let server = start(config(), TestSink::default()).await;
    let mut client = server.connect().await;
    let (good_1, good_2) = (upload("RC0001", &qn(1), ACK, &[1.0]), upload("RC0001", &qn(3), ACK, &[3.0]));
    let mut bad_crc = frame(&upload("RC0001", &qn(2), ACK, &[2.0]));
    let at = bad_crc.len() - 6;
    let wrong: &[u8; 4] = if &bad_crc[at..at + 4] == b"0000" { b"FFFF" } else { b"0000" };
    bad_crc[at..at + 4].copy_from_slice(wrong);
    let stream =
        [&b"\x00\xffnoise#"[..], &frame(&good_1), b"\r\n#garbage between\x01##", &bad_crc, b"##12", &frame(&good_2)]
            .concat();
    client.write_all(&stream).await.expect("write");

    let acks = read_frames(&mut client, 2).await;
    assert_eq!(acks, [data_ack_frame(&good_1).expect("ack"), data_ack_frame(&good_2).expect("ack")]);
    let stored: Vec<_> = server.received(2).await.into_iter().map(|r| r.packet).collect();
    assert_eq!(stored, [good_1, good_2]);
    assert_nothing_arrives(&mut client).await;
    assert!(count(REJECTS_TOTAL, "reason=bad_crc") > bad_crc_before);
    assert!(count(FRAMES_TOTAL, "cn=2061") >= hourly_before + 2);
    server.stop().await;
}

#[tokio::test]
async fn one_connections_frames_are_stored_and_acknowledged_in_qn_order() {
    let server = start(config(), TestSink::slow(Duration::from_millis(5))).await;
    let mut client = server.connect().await;
    let packets: Vec<Packet> = (0..10).map(|i| upload("RC0001", &qn(i), ACK, &[i as f64])).collect();
    // Half in one write, the rest one write each.
    client.write_all(&packets[..5].iter().map(frame).collect::<Vec<_>>().concat()).await.expect("write");
    for packet in &packets[5..] {
        client.write_all(&frame(packet)).await.expect("write");
    }

    let acked: Vec<_> = read_frames(&mut client, 10)
        .await
        .iter()
        .map(|ack| decode_frame(ack.as_bytes()).expect("a valid 9014").qn.expect("QN"))
        .collect();
    assert_eq!(acked, (0..10).map(qn).collect::<Vec<_>>());
    let stored: Vec<_> = server.sink.received().into_iter().map(|r| r.packet.qn.expect("QN")).collect();
    assert_eq!(stored, acked);
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// Timeouts and limits

#[tokio::test]
async fn a_client_stopping_mid_frame_is_closed_after_the_frame_timeout_while_others_are_served() {
    let timeouts_before = count(REJECTS_TOTAL, "reason=timeout");
    let config = Hj212Config { frame_timeout: Duration::from_millis(500), ..config() };
    let server = start(config, TestSink::default()).await;
    let mut stalled = server.connect().await;
    let unfinished = upload("STALLED", &qn(1), ACK, &[1.0]);
    stalled.write_all(&frame(&unfinished)[..40]).await.expect("write");

    let mut other = server.connect().await;
    assert_served(&mut other, &upload("RC0001", &qn(2), ACK, &[2.0])).await;
    assert_closed(&mut stalled).await;
    assert_served(&mut other, &upload("RC0001", &qn(3), ACK, &[3.0])).await;
    let devices: Vec<_> = server.sink.received().into_iter().map(|r| r.packet.mn).collect();
    assert_eq!(devices, ["RC0001", "RC0001"], "the stalled frame never reached the sink");
    assert!(count(REJECTS_TOTAL, "reason=timeout") > timeouts_before);
    server.stop().await;
}

#[tokio::test]
async fn a_client_that_sends_nothing_is_closed_after_the_read_timeout() {
    let config = Hj212Config { read_timeout: Duration::from_millis(300), ..config() };
    let server = start(config, TestSink::default()).await;
    let mut silent = server.connect().await;
    assert_closed(&mut silent).await;
    assert!(server.sink.received().is_empty());
    server.stop().await;
}

#[tokio::test]
async fn the_connection_over_the_per_address_limit_is_closed_at_once_and_a_freed_place_is_reused() {
    let refused_before = count(CONNECTIONS_REFUSED_TOTAL, "reason=address_limit");
    let config = Hj212Config { max_per_address: 3, ..config() };
    let server = start(config, TestSink::default()).await;
    let mut within = Vec::new();
    for _ in 0..3 {
        within.push(server.connect().await);
    }
    let mut over = server.connect().await;
    assert_closed(&mut over).await;
    assert!(count(CONNECTIONS_REFUSED_TOTAL, "reason=address_limit") > refused_before);
    for (i, client) in within.iter_mut().enumerate() {
        assert_served(client, &upload("RC0001", &qn(i), ACK, &[1.0])).await;
    }

    // Once one closes, its place goes to the next connection (after the server has seen it close).
    drop(within.pop());
    let reused = timeout(PATIENCE, async {
        loop {
            let mut next = server.connect().await;
            let packet = upload("RC0002", &qn(9), ACK, &[1.0]);
            if next.write_all(&frame(&packet)).await.is_ok() {
                let mut buf = [0; 256];
                if let Ok(n @ 1..) = next.read(&mut buf).await {
                    return String::from_utf8_lossy(&buf[..n]).into_owned();
                }
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    })
    .await
    .expect("a new connection is served once a place is free");
    assert_eq!(reused, data_ack_frame(&upload("RC0002", &qn(9), ACK, &[1.0])).expect("ack"));
    server.stop().await;
}

#[tokio::test]
async fn the_connection_over_the_overall_limit_is_closed_at_once() {
    let refused_before = count(CONNECTIONS_REFUSED_TOTAL, "reason=overall_limit");
    let config = Hj212Config { max_connections: 2, ..config() };
    let server = start(config, TestSink::default()).await;
    let mut first = server.connect().await;
    let _second = server.connect().await;
    let mut third = server.connect().await;
    assert_closed(&mut third).await;
    assert!(count(CONNECTIONS_REFUSED_TOTAL, "reason=overall_limit") > refused_before);
    assert_served(&mut first, &upload("RC0001", &qn(1), ACK, &[1.0])).await;
    server.stop().await;
}

// ---------------------------------------------------------------------------------------------------
// Group commit and shutdown

#[tokio::test]
async fn frames_from_many_connections_share_commits_and_every_one_is_acknowledged() {
    const CLIENTS: usize = 50;
    let server = start(config(), TestSink::slow(Duration::from_millis(20))).await;
    let mut clients = Vec::new();
    for _ in 0..CLIENTS {
        clients.push(server.connect().await);
    }
    let packets: Vec<Packet> = (0..CLIENTS).map(|i| upload(&format!("RC{i:04}"), &qn(i), ACK, &[i as f64])).collect();
    for (client, packet) in clients.iter_mut().zip(&packets) {
        client.write_all(&frame(packet)).await.expect("write");
    }

    for (client, packet) in clients.iter_mut().zip(&packets) {
        assert_eq!(read_frames(client, 1).await, [data_ack_frame(packet).expect("ack")], "{}", packet.mn);
    }
    let groups = server.sink.groups();
    let mut devices: Vec<_> = groups.iter().flatten().map(|r| r.packet.mn.clone()).collect();
    devices.sort();
    assert_eq!(devices, packets.iter().map(|p| p.mn.clone()).collect::<Vec<_>>(), "each frame stored once");
    assert!(groups.len() <= 10, "{} commits for {CLIENTS} frames", groups.len());
    server.stop().await;
}

#[tokio::test]
async fn shutdown_lets_a_commit_in_progress_finish_and_acknowledge_then_stops_accepting() {
    let server = start(config(), TestSink::slow(Duration::from_millis(300))).await;
    let mut client = server.connect().await;
    let packet = upload("RC0001", &qn(1), ACK, &[1.0]);
    client.write_all(&frame(&packet)).await.expect("write");
    server.received(1).await; // the commit is under way
    let addr = server.addr;
    let stopping = tokio::spawn(server.stop());

    assert_eq!(read_frames(&mut client, 1).await, [data_ack_frame(&packet).expect("ack")]);
    assert_closed(&mut client).await;
    timeout(PATIENCE, stopping).await.expect("serve returns").expect("stop did not panic");
    assert!(TcpStream::connect(addr).await.is_err(), "nothing listens after shutdown");
}

#[tokio::test]
#[ignore = "hangs about one run in three, even alone (seen 2026-12-02, 1 of 3 runs): the flood never ends, \
            so the server neither closes the deaf connection nor reads from it; a bug to find, not a slow \
            machine. Run with --ignored while fixing it"]
async fn a_client_that_never_reads_its_acks_is_closed_after_the_write_timeout_without_blocking_others() {
    // The other client waits, idle, for as long as the flood takes: it must not be closed as silent.
    let config = Hj212Config {
        write_timeout: Duration::from_millis(300),
        read_timeout: PATIENCE * 40,
        frame_timeout: PATIENCE * 40,
        ..config()
    };
    let server = start(config, TestSink::default()).await;
    // A small receive buffer, so the server's acknowledgements back up quickly.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket.set_recv_buffer_size(1024).expect("receive buffer");
    let mut deaf = socket.connect(server.addr).await.expect("connect");
    // Far more acknowledgements than the socket buffers hold; the frames themselves may all fit in the
    // server's larger receive buffer, so once they are sent keep writing until the server has closed.
    let flood = tokio::spawn(async move {
        // A long MN makes long acknowledgements: each echoes it.
        let upload = frame(&upload(&"DEAF".repeat(200), &qn(1), ACK, &[]));
        for _ in 0..10_000 {
            if deaf.write_all(&upload).await.is_err() {
                return true;
            }
        }
        for _ in 0..100 {
            tokio::time::sleep(Duration::from_millis(50)).await;
            if deaf.write_all(&upload).await.is_err() {
                return true;
            }
        }
        false
    });

    let mut other = server.connect().await;
    assert_served(&mut other, &upload("RC0001", &qn(1), ACK, &[1.0])).await;
    // Megabytes go through both sockets' buffers before the server's writes block: alone this takes
    // about 3 s, but with the whole suite and a build sharing two cores it has taken over a minute. A
    // bound on liveness, not on speed.
    let closed = timeout(PATIENCE * 30, flood).await.expect("the flood ends").expect("no panic");
    assert!(
        closed,
        "the server never closed the connection that does not read ({} frames stored)",
        server.sink.received().len()
    );
    assert_served(&mut other, &upload("RC0001", &qn(2), ACK, &[2.0])).await;
    server.stop().await;
}
