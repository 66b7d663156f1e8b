//! A small HTTP/1.1 server on 127.0.0.1 for tests: scripted responses (gzip, dripping,
//! unsized bodies, bodies cut off mid-way, byte ranges, delays), a log of every request, and a
//! gauge of requests in flight.
//! Loopback only; never used outside tests.

use std::io::Write;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// A request as the server saw it.
#[derive(Clone, Debug)]
pub struct Request {
    pub method: String,
    /// Path and query, as sent.
    pub target: String,
    pub headers: Vec<(String, String)>,
}

impl Request {
    /// The first header with this name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The target without its query.
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
}

/// How a response body is sent.
#[derive(Clone, Debug)]
pub enum Body {
    /// With a `Content-Length`, all at once.
    Full(Vec<u8>),
    /// With a `Content-Length`, one byte every `every`.
    Drip { bytes: Vec<u8>, every: Duration },
    /// Without a `Content-Length`, ended by closing the connection.
    UntilClose(Vec<u8>),
    /// With the `Content-Length` of all of `bytes`, but only the first `sent` are written
    /// before the connection closes (a download interrupted mid-body).
    CutOff { bytes: Vec<u8>, sent: usize },
}

/// A scripted response.
#[derive(Clone, Debug)]
pub struct Response {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Body,
    /// Time the handler "works" before answering; counted as in flight.
    pub delay: Duration,
    /// When set, the answer also waits (after `delay`, still in flight) until the gate opens.
    pub gate: Option<Gate>,
}

impl Response {
    pub fn new(status: u16) -> Response {
        Response {
            status,
            headers: Vec::new(),
            body: Body::Full(Vec::new()),
            delay: Duration::ZERO,
            gate: None,
        }
    }

    /// 200 with this body.
    pub fn ok(body: impl Into<Vec<u8>>) -> Response {
        Response::new(200).body(body)
    }

    /// A redirect to `location`.
    pub fn redirect(status: u16, location: &str) -> Response {
        Response::new(status).header("Location", location)
    }

    pub fn header(mut self, name: &str, value: &str) -> Response {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    pub fn body(mut self, body: impl Into<Vec<u8>>) -> Response {
        self.body = Body::Full(body.into());
        self
    }

    /// Compresses the body with gzip and says so.
    pub fn gzip(mut self) -> Response {
        let compress = |b: &mut Vec<u8>| *b = gzip(b);
        match &mut self.body {
            Body::Full(b) | Body::UntilClose(b) => compress(b),
            Body::Drip { bytes, .. } | Body::CutOff { bytes, .. } => compress(bytes),
        }
        self.header("Content-Encoding", "gzip")
    }

    /// Sends the body one byte every `every`.
    pub fn drip(mut self, every: Duration) -> Response {
        let bytes = self.take_bytes();
        self.body = Body::Drip { bytes, every };
        self
    }

    /// Announces the whole body but closes the connection after its first `sent` bytes.
    pub fn cut_off(mut self, sent: usize) -> Response {
        let bytes = self.take_bytes();
        self.body = Body::CutOff { bytes, sent };
        self
    }

    /// `file` as a server that supports byte ranges answers `request`: 206 with
    /// `Content-Range` for `Range: bytes=N-` (416 when N is past the end), else 200; both
    /// with `Accept-Ranges: bytes`.
    pub fn range_of(request: &Request, file: &[u8]) -> Response {
        let len = file.len();
        let start = request
            .header("Range")
            .and_then(|r| r.trim().strip_prefix("bytes="))
            .and_then(|r| r.strip_suffix('-'))
            .and_then(|n| n.trim().parse::<usize>().ok());
        match start {
            Some(n) if n >= len => Response::new(416)
                .header("Content-Range", &format!("bytes */{len}"))
                .header("Accept-Ranges", "bytes"),
            Some(n) => Response::new(206)
                .header("Content-Range", &format!("bytes {n}-{}/{len}", len - 1))
                .header("Accept-Ranges", "bytes")
                .body(file[n..].to_vec()),
            None => Response::ok(file.to_vec()).header("Accept-Ranges", "bytes"),
        }
    }

    /// Sends the body without a `Content-Length` and closes the connection after it.
    pub fn until_close(mut self) -> Response {
        let bytes = self.take_bytes();
        self.body = Body::UntilClose(bytes);
        self
    }

    pub fn delay(mut self, delay: Duration) -> Response {
        self.delay = delay;
        self
    }

    /// Holds the answer until `gate` opens: a request that stays in flight exactly as long as
    /// the test needs, whatever the machine's load (a delay only guesses how long that is).
    pub fn held_until(mut self, gate: &Gate) -> Response {
        self.gate = Some(gate.clone());
        self
    }

    fn take_bytes(&mut self) -> Vec<u8> {
        match std::mem::replace(&mut self.body, Body::Full(Vec::new())) {
            Body::Full(b) | Body::UntilClose(b) => b,
            Body::Drip { bytes, .. } | Body::CutOff { bytes, .. } => bytes,
        }
    }
}

/// Current and highest number of requests in flight. One gauge can be shared by several
/// servers to observe a global limit.
#[derive(Debug, Default)]
pub struct Gauge {
    current: AtomicUsize,
    max: AtomicUsize,
}

impl Gauge {
    pub fn new() -> Arc<Gauge> {
        Arc::new(Gauge::default())
    }

    pub fn max(&self) -> usize {
        self.max.load(Ordering::SeqCst)
    }

    pub fn current(&self) -> usize {
        self.current.load(Ordering::SeqCst)
    }

    fn enter(&self) {
        let now = self.current.fetch_add(1, Ordering::SeqCst) + 1;
        self.max.fetch_max(now, Ordering::SeqCst);
    }

    fn leave(&self) {
        self.current.fetch_sub(1, Ordering::SeqCst);
    }
}

/// A latch for `Response::held_until`: closed when made, open for good once `open` is
/// called. Clones share it.
#[derive(Clone, Debug)]
pub struct Gate(Arc<tokio::sync::watch::Sender<bool>>);

impl Gate {
    pub fn new() -> Gate {
        Gate(Arc::new(tokio::sync::watch::Sender::new(false)))
    }

    /// Lets every held answer go, and those of later requests at once.
    pub fn open(&self) {
        self.0.send_replace(true);
    }

    async fn opened(&self) {
        // `wait_for` looks at the current value first: an open gate does not wait.
        let _ = self.0.subscribe().wait_for(|open| *open).await;
    }
}

impl Default for Gate {
    fn default() -> Gate {
        Gate::new()
    }
}

type Handler = Arc<dyn Fn(&Request) -> Response + Send + Sync>;

/// A running server; stops when dropped.
pub struct TestServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Request>>>,
    gauge: Arc<Gauge>,
    connections: Arc<AtomicUsize>,
    task: JoinHandle<()>,
}

impl TestServer {
    /// Starts a server answering every request with `handler`.
    pub async fn start<F>(handler: F) -> TestServer
    where
        F: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        TestServer::start_with(handler, None).await
    }

    /// Like `start`, also counting requests in flight on `shared` (besides its own gauge).
    ///
    /// A request counts as in flight from when its head has been read until just before
    /// the response is written, a window strictly inside the client's own request: the
    /// counts never exceed what the client really had in flight.
    pub async fn start_with<F>(handler: F, shared: Option<Arc<Gauge>>) -> TestServer
    where
        F: Fn(&Request) -> Response + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind 127.0.0.1");
        let addr = listener.local_addr().expect("local addr");
        let requests = Arc::new(Mutex::new(Vec::new()));
        let gauge = Gauge::new();
        let connections = Arc::new(AtomicUsize::new(0));
        let handler: Handler = Arc::new(handler);
        let task = {
            let requests = Arc::clone(&requests);
            let gauge = Arc::clone(&gauge);
            let connections = Arc::clone(&connections);
            tokio::spawn(async move {
                loop {
                    let Ok((stream, _)) = listener.accept().await else {
                        continue;
                    };
                    connections.fetch_add(1, Ordering::SeqCst);
                    // Without this, Nagle + delayed ACK add ~40 ms to small responses.
                    let _ = stream.set_nodelay(true);
                    let conn = Connection {
                        handler: Arc::clone(&handler),
                        requests: Arc::clone(&requests),
                        gauges: [Some(Arc::clone(&gauge)), shared.clone()],
                    };
                    tokio::spawn(conn.serve(stream));
                }
            })
        };
        TestServer {
            addr,
            requests,
            gauge,
            connections,
            task,
        }
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:<port><path>`.
    pub fn url(&self, path: &str) -> String {
        format!("http://{}{}", self.addr, path)
    }

    /// Every request received so far, in order.
    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn request_count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }

    /// This server's in-flight gauge.
    pub fn gauge(&self) -> &Gauge {
        &self.gauge
    }

    /// TCP connections accepted so far.
    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

/// A URL on 127.0.0.1 where nothing listens (connection refused).
pub async fn refused_url() -> String {
    // Bound but never listening, so connections are refused; and kept open (one descriptor
    // per call, for the life of the test binary) rather than closed, so that the port is not
    // handed out again to a server of a test running in parallel.
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind(SocketAddr::from(([127, 0, 0, 1], 0)))
        .expect("bind 127.0.0.1");
    let addr = socket.local_addr().expect("addr");
    std::mem::forget(socket);
    format!("http://{addr}/feed.xml")
}

struct Connection {
    handler: Handler,
    requests: Arc<Mutex<Vec<Request>>>,
    gauges: [Option<Arc<Gauge>>; 2],
}

impl Connection {
    async fn serve(self, mut stream: TcpStream) {
        let mut buf: Vec<u8> = Vec::new();
        loop {
            let Some(request) = read_request(&mut stream, &mut buf).await else {
                return;
            };
            let client_closes = request
                .header("Connection")
                .is_some_and(|v| v.eq_ignore_ascii_case("close"));
            self.requests.lock().unwrap().push(request.clone());
            for g in self.gauges.iter().flatten() {
                g.enter();
            }
            let response = (self.handler)(&request);
            if !response.delay.is_zero() {
                tokio::time::sleep(response.delay).await;
            }
            if let Some(gate) = &response.gate {
                gate.opened().await;
            }
            for g in self.gauges.iter().flatten() {
                g.leave();
            }
            let keep_alive = write_response(&mut stream, response).await.unwrap_or(false);
            if !keep_alive || client_closes {
                let _ = stream.shutdown().await;
                return;
            }
        }
    }
}

/// Reads one request head (and skips a `Content-Length` body). `None` at EOF or on junk.
async fn read_request(stream: &mut TcpStream, buf: &mut Vec<u8>) -> Option<Request> {
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > 64 * 1024 {
            return None;
        }
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).into_owned();
    buf.drain(..head_end + 4);
    let mut lines = head.split("\r\n");
    let mut first = lines.next()?.split_whitespace();
    let method = first.next()?.to_string();
    let target = first.next()?.to_string();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
        .collect();
    let request = Request {
        method,
        target,
        headers,
    };
    let body_len: usize = request
        .header("Content-Length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    while buf.len() < body_len {
        let mut chunk = [0u8; 4096];
        let n = stream.read(&mut chunk).await.ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    buf.drain(..body_len);
    Some(request)
}

/// Writes a response; returns whether the connection may be reused.
async fn write_response(stream: &mut TcpStream, response: Response) -> std::io::Result<bool> {
    let (length, keep_alive) = match &response.body {
        Body::Full(b) => (Some(b.len()), true),
        Body::Drip { bytes, .. } | Body::CutOff { bytes, .. } => (Some(bytes.len()), false),
        Body::UntilClose(_) => (None, false),
    };
    let mut head = format!(
        "HTTP/1.1 {} {}\r\n",
        response.status,
        reason(response.status)
    );
    for (name, value) in &response.headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    if let Some(len) = length {
        head.push_str(&format!("Content-Length: {len}\r\n"));
    }
    if !keep_alive {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    let mut out = head.into_bytes();
    match response.body {
        Body::Full(b) | Body::UntilClose(b) => {
            out.extend_from_slice(&b);
            stream.write_all(&out).await?;
        }
        Body::CutOff { bytes, sent } => {
            out.extend_from_slice(&bytes[..sent.min(bytes.len())]);
            stream.write_all(&out).await?;
            stream.flush().await?;
            return Ok(false);
        }
        Body::Drip { bytes, every } => {
            stream.write_all(&out).await?;
            stream.flush().await?;
            for byte in bytes {
                tokio::time::sleep(every).await;
                stream.write_all(&[byte]).await?;
                stream.flush().await?;
            }
        }
    }
    stream.flush().await?;
    Ok(keep_alive)
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        301 => "Moved Permanently",
        302 => "Found",
        303 => "See Other",
        304 => "Not Modified",
        307 => "Temporary Redirect",
        308 => "Permanent Redirect",
        206 => "Partial Content",
        404 => "Not Found",
        416 => "Range Not Satisfiable",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Whatever",
    }
}

/// Gzip-compresses `data`.
pub fn gzip(data: &[u8]) -> Vec<u8> {
    let mut enc = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data).expect("gzip to memory");
    enc.finish().expect("gzip to memory")
}

/// A valid gzip file that inflates to `inflated_len` zero bytes (at least 1), at about
/// 1000:1 (the most DEFLATE allows): 100 MB is ~100 KB on the wire. Built by hand in
/// milliseconds (compressing 100 MB with flate2 takes seconds in a debug build): one
/// dynamic-Huffman block where "length 258, distance 1" costs two bits.
pub fn gzip_bomb(inflated_len: u64) -> Vec<u8> {
    let len = inflated_len.max(1);
    let mut w = BitWriter::default();
    w.bits(1, 1); // BFINAL
    w.bits(2, 2); // BTYPE = dynamic Huffman
    w.bits(29, 5); // HLIT: 286 literal/length codes
    w.bits(1, 5); // HDIST: 2 distance codes
    w.bits(14, 4); // HCLEN: 18 code-length codes
                   // Code-length code lengths, in the order DEFLATE sends them: symbol 18 (zero runs)
                   // gets 1 bit, symbols 1 and 2 get 2 bits.
    const ORDER: [usize; 18] = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1];
    for sym in ORDER {
        let bits = match sym {
            18 => 1,
            1 | 2 => 2,
            _ => 0,
        };
        w.bits(bits, 3);
    }
    // Canonical codes of that alphabet: 18 -> 0, 1 -> 10, 2 -> 11.
    let cl_one = |w: &mut BitWriter| w.code(0b10, 2);
    let cl_two = |w: &mut BitWriter| w.code(0b11, 2);
    let zeros = |w: &mut BitWriter, n: u32| {
        w.code(0, 1);
        w.bits(n - 11, 7);
    };
    // Literal/length lengths: 0 -> 2, 256 (end) -> 2, 285 (length 258) -> 1.
    cl_two(&mut w); // literal 0
    zeros(&mut w, 138); // 1..=138
    zeros(&mut w, 117); // 139..=255
    cl_two(&mut w); // 256
    zeros(&mut w, 28); // 257..=284
    cl_one(&mut w); // 285
                    // Distance lengths: codes 0 and 1, one bit each (a complete code).
    cl_one(&mut w);
    cl_one(&mut w);
    // Canonical codes: 285 -> 0, literal 0 -> 10, end -> 11; distance 1 -> 0.
    w.code(0b10, 2); // one literal zero byte
    let rest = len - 1;
    for _ in 0..rest / 258 {
        w.code(0, 1); // length 258
        w.code(0, 1); // distance 1
    }
    for _ in 0..rest % 258 {
        w.code(0b10, 2);
    }
    w.code(0b11, 2); // end of block
    let deflate = w.finish();

    let mut out = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    out.extend_from_slice(&deflate);
    out.extend_from_slice(&crc32_of_zeros(len).to_le_bytes());
    out.extend_from_slice(&(len as u32).to_le_bytes());
    out
}

/// CRC-32 of `n` zero bytes in O(log n), by combining CRCs of doubling runs.
fn crc32_of_zeros(mut n: u64) -> u32 {
    let mut result = flate2::Crc::new();
    let mut run = flate2::Crc::new();
    run.update(&[0]);
    while n > 0 {
        if n & 1 == 1 {
            result.combine(&run);
        }
        let mut copy = flate2::Crc::new();
        copy.combine(&run);
        run.combine(&copy);
        n >>= 1;
    }
    result.sum()
}

/// DEFLATE bit packing: fields LSB first, Huffman codes MSB first.
#[derive(Default)]
struct BitWriter {
    out: Vec<u8>,
    acc: u64,
    n: u32,
}

impl BitWriter {
    fn bits(&mut self, value: u32, count: u32) {
        self.acc |= u64::from(value) << self.n;
        self.n += count;
        while self.n >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.n -= 8;
        }
    }

    fn code(&mut self, code: u32, len: u32) {
        let reversed = code.reverse_bits() >> (32 - len);
        self.bits(reversed, len);
    }

    fn finish(mut self) -> Vec<u8> {
        if self.n > 0 {
            self.out.push(self.acc as u8);
        }
        self.out
    }
}
