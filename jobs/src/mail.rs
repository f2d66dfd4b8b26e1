//! Sending email: over SMTP when configured, else as `.eml` files in the outbox directory, or into memory
//! in unit tests.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use lettre::message::{Body, Mailbox, MultiPart, SinglePart, header::ContentTransferEncoding, header::ContentType};
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use secrecy::{ExposeSecret, SecretString};

/// Mail configuration, loaded once at start-up.
#[derive(Clone, Debug)]
pub struct MailSettings {
    /// lettre connection URL, e.g. `smtp://user:pass@host:587?tls=required`. Secret: it may hold a password.
    pub smtp_url: Option<SecretString>,
    /// Sender, e.g. `河长制平台 <noreply@example.org>`.
    pub from: String,
    /// Where `.eml` files go when no SMTP server is configured.
    pub outbox_dir: PathBuf,
}

impl Default for MailSettings {
    fn default() -> Self {
        Self {
            smtp_url: None,
            from: "riverchief 河长制平台 <noreply@riverchief.invalid>".into(),
            outbox_dir: PathBuf::from("outbox"),
        }
    }
}

/// An email to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email {
    pub to: String,
    pub subject: String,
    /// Plain text, always present: phones and old clients read this.
    pub body: String,
    /// An HTML alternative (reports with tables).
    pub html: Option<String>,
    /// The `Message-ID` without its angle brackets, e.g. `notice-17@riverchief.invalid`. Stable for one
    /// notice, so a resend after a crash is recognisably the same message.
    pub message_id: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// Will not succeed on retry (bad address, mailbox refused).
    #[error("permanent: {0}")]
    Permanent(String),
    /// May succeed later (server down, greylisting).
    #[error("transient: {0}")]
    Transient(String),
}

impl MailError {
    pub fn is_permanent(&self) -> bool {
        matches!(self, Self::Permanent(_))
    }
}

/// Where email goes.
#[derive(Clone)]
pub enum Mailer {
    Smtp {
        transport: AsyncSmtpTransport<Tokio1Executor>,
        from: Mailbox,
    },
    Files {
        dir: PathBuf,
        from: Mailbox,
    },
    /// Unit tests only.
    Memory {
        sent: Arc<Mutex<Vec<Email>>>,
    },
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Smtp { from, .. } => write!(f, "Mailer::Smtp(from {from})"),
            Self::Files { dir, .. } => write!(f, "Mailer::Files({})", dir.display()),
            Self::Memory { .. } => f.write_str("Mailer::Memory"),
        }
    }
}

impl Mailer {
    pub fn from_settings(settings: &MailSettings) -> anyhow::Result<Self> {
        let from: Mailbox = settings
            .from
            .parse()
            .map_err(|e| anyhow::anyhow!("mail sender '{}' is not a valid address: {e}", settings.from))?;
        Ok(match &settings.smtp_url {
            Some(url) => {
                let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url.expose_secret())
                    // The URL may carry a password: name the problem, not the URL.
                    .map_err(|e| anyhow::anyhow!("RIVERCHIEF_SMTP_URL is not a valid SMTP URL: {e}"))?
                    .build();
                Self::Smtp { transport, from }
            }
            None => Self::Files { dir: settings.outbox_dir.clone(), from },
        })
    }

    pub fn memory() -> (Self, Arc<Mutex<Vec<Email>>>) {
        let sent = Arc::new(Mutex::new(Vec::new()));
        (Self::Memory { sent: sent.clone() }, sent)
    }

    /// Where mail goes, in words for logs and `jobs run`.
    pub fn describe(&self) -> String {
        match self {
            Self::Smtp { .. } => "SMTP".into(),
            Self::Files { dir, .. } => format!(".eml files in {}", dir.display()),
            Self::Memory { .. } => "memory".into(),
        }
    }

    /// Sends `email`. `file_stem` names the `.eml` file when writing to the outbox directory.
    /// Returns where it went (file path, or the recipient for SMTP).
    pub async fn send(&self, email: &Email, file_stem: &str) -> Result<String, MailError> {
        let to: Mailbox = email
            .to
            .parse()
            .map_err(|e| MailError::Permanent(format!("recipient '{}' is not a valid address: {e}", email.to)))?;
        match self {
            Self::Smtp { transport, from } => {
                let message = build(from, to, email, None)?;
                transport.send(message).await.map_err(|e| {
                    if e.is_permanent() {
                        MailError::Permanent(e.to_string())
                    } else {
                        MailError::Transient(e.to_string())
                    }
                })?;
                Ok(email.to.clone())
            }
            Self::Files { dir, from } => {
                // 8bit keeps the Chinese body readable in a text editor; files never cross an SMTP hop.
                let message = build(from, to, email, Some(ContentTransferEncoding::EightBit))?;
                tokio::fs::create_dir_all(dir)
                    .await
                    .map_err(|e| MailError::Transient(format!("cannot create {}: {e}", dir.display())))?;
                let path = dir.join(format!("{file_stem}.eml"));
                tokio::fs::write(&path, message.formatted())
                    .await
                    .map_err(|e| MailError::Transient(format!("cannot write {}: {e}", path.display())))?;
                Ok(path.display().to_string())
            }
            Self::Memory { sent } => {
                sent.lock().map_err(|_| MailError::Transient("mailbox poisoned".into()))?.push(email.clone());
                Ok(email.to.clone())
            }
        }
    }
}

/// The body as 8bit text with CRLF line ends, when every line fits RFC 5322's 998 bytes. lettre itself
/// only chooses 8bit for lines under 76 bytes, which Chinese text (3 bytes a character) rarely meets.
fn readable_8bit(text: &str) -> Option<Body> {
    let crlf = text.replace("\r\n", "\n").replace('\n', "\r\n");
    if crlf.split("\r\n").any(|line| line.len() > 998) || crlf.contains('\0') {
        return None;
    }
    Some(Body::dangerous_pre_encoded(crlf.into_bytes(), ContentTransferEncoding::EightBit))
}

fn build(
    from: &Mailbox,
    to: Mailbox,
    email: &Email,
    encoding: Option<ContentTransferEncoding>,
) -> Result<Message, MailError> {
    let body = |text: &str| {
        match encoding {
            Some(ContentTransferEncoding::EightBit) => readable_8bit(text),
            _ => None,
        }
        .unwrap_or_else(|| Body::new(text.to_string()))
    };
    let builder = Message::builder()
        .from(from.clone())
        .to(to)
        .subject(email.subject.clone())
        .message_id(Some(format!("<{}>", email.message_id)));
    let message = match &email.html {
        None => builder.header(ContentType::TEXT_PLAIN).body(body(&email.body)),
        Some(html) => builder.multipart(
            MultiPart::alternative()
                .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(body(&email.body)))
                .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(body(html))),
        ),
    };
    message.map_err(|e| MailError::Permanent(format!("cannot build message: {e}")))
}
