//! A real SMTP server on loopback (mailin-embedded) that keeps what it receives, for end-to-end tests.

use std::net::{IpAddr, SocketAddr, TcpListener};
use std::sync::{Arc, Mutex};

use mailin_embedded::{Handler, Response, Server, response};

/// One message as the server received it.
#[derive(Debug, Clone)]
pub struct ReceivedEmail {
    pub envelope_from: String,
    pub envelope_to: Vec<String>,
    pub raw: Vec<u8>,
}

impl ReceivedEmail {
    fn parsed(&self) -> mail_parser::Message<'_> {
        mail_parser::MessageParser::default().parse(&self.raw).expect("a parseable message")
    }

    /// The decoded subject.
    pub fn subject(&self) -> String {
        self.parsed().subject().unwrap_or_default().to_string()
    }

    /// The decoded HTML body, when the message has one.
    pub fn html(&self) -> Option<String> {
        self.parsed().body_html(0).map(|b| b.to_string())
    }

    /// The `Message-ID`, without its angle brackets.
    pub fn message_id(&self) -> Option<String> {
        self.parsed().message_id().map(str::to_string)
    }

    /// The decoded plain-text body.
    pub fn body(&self) -> String {
        self.parsed().body_text(0).map(|b| b.to_string()).unwrap_or_default()
    }
}

#[derive(Clone)]
struct Collector {
    inbox: Arc<Mutex<Vec<ReceivedEmail>>>,
    current: Option<ReceivedEmail>,
}

impl Handler for Collector {
    fn data_start(&mut self, _domain: &str, from: &str, _is8bit: bool, to: &[String]) -> Response {
        self.current = Some(ReceivedEmail { envelope_from: from.into(), envelope_to: to.to_vec(), raw: Vec::new() });
        response::OK
    }

    fn data(&mut self, buf: &[u8]) -> std::io::Result<()> {
        if let Some(mail) = self.current.as_mut() {
            mail.raw.extend_from_slice(buf);
        }
        Ok(())
    }

    fn data_end(&mut self) -> Response {
        if let Some(mail) = self.current.take() {
            self.inbox.lock().expect("inbox").push(mail);
        }
        response::OK
    }

    fn helo(&mut self, _ip: IpAddr, _domain: &str) -> Response {
        response::OK
    }
}

/// The running server: its address and what it has received so far.
#[derive(Clone)]
pub struct SmtpSink {
    pub addr: SocketAddr,
    inbox: Arc<Mutex<Vec<ReceivedEmail>>>,
}

impl SmtpSink {
    /// Starts a server on a free loopback port, on its own thread (the server is blocking).
    pub fn start() -> SmtpSink {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind SMTP port");
        let addr = listener.local_addr().expect("SMTP address");
        let inbox = Arc::new(Mutex::new(Vec::new()));
        let mut server = Server::new(Collector { inbox: inbox.clone(), current: None });
        server.with_name("smtp.test").with_num_threads(2).with_tcp_listener(listener);
        std::thread::spawn(move || {
            let _ = server.serve();
        });
        SmtpSink { addr, inbox }
    }

    /// lettre connection URL for this server (plain SMTP on loopback).
    pub fn url(&self) -> String {
        format!("smtp://{}", self.addr)
    }

    pub fn received(&self) -> Vec<ReceivedEmail> {
        self.inbox.lock().expect("inbox").clone()
    }
}
