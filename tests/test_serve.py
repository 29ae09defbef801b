"""`ganbook serve` as it runs: real servers in subprocesses on free localhost ports.

The student (torch and --onnx), the conditional GAN and a deliberately tiny teacher server
(--queue 1, --timeout 0.25) start together, once for the module. Checked: PNG and .npy answers
and their sizes and shapes, same seed -> same bytes, ONNX against torch, /info, /health, /metrics,
the 400/404/405/414 refusals, both 503s, and a fuzz of more than 1,000 malformed or hostile
requests. uvicorn itself answers what is not HTTP with a 400 and closes the connection, or, when
the bytes never form a request, closes it without an answer once the client stops sending; the
fuzz accepts a 4xx or such a close, and nothing else: no 5xx, no 2xx, no hang. Afterwards the
server must still be healthy, must not have logged a traceback, and its resident memory must not
have grown by more than 40 MB. (Memory does grow with the number of distinct batch sizes
drawn, as oneDNN compiles kernels per shape, up to the cap of its kernel cache that
`ganbook serve` sets; the fuzz draws the sizes of its warm-up, so growth would be the fuzz's.)
"""
import io, json, random, re, signal, socket, subprocess, sys, threading, time
from pathlib import Path
from urllib.parse import quote
import numpy as np
import pytest
import torch
from PIL import Image
from conftest import ROOT

SERVE = [sys.executable, '-m', 'ganbook.cli', 'serve']

class Server:
    "`ganbook serve ARGS --port 0` in a subprocess; its port, PID, stderr and memory."
    def __init__(self, tmp: Path, *args):
        self.log = tmp / f'serve-{len(list(tmp.iterdir()))}.err'
        self.proc = subprocess.Popen([*SERVE, *args, '--port', '0'], cwd=ROOT, text=True,
                                     stdout=subprocess.PIPE, stderr=self.log.open('w'))
        self.port = None

    def wait(self):
        "Read the port from the first line printed, then wait until /health answers."
        line = self.proc.stdout.readline()
        m = re.search(r'http://127\.0\.0\.1:(\d+)', line)
        assert m, f"no address in {line!r}; stderr: {self.log.read_text()[-2000:]}"
        self.port = int(m[1])
        for _ in range(600):
            c = Conn(self.port)
            try:
                if c.get('/health')[0] == 200: return self
            except OSError: time.sleep(0.05)
            finally: c.close()
        raise AssertionError('the server never answered /health')

    def rss_mb(self) -> float:
        "Resident memory of the server process (VmRSS), in MB."
        status = Path(f'/proc/{self.proc.pid}/status').read_text()
        return int(re.search(r'VmRSS:\s+(\d+) kB', status)[1]) / 1024

    def stop(self, sig=signal.SIGINT) -> tuple[int, str, str]:
        "Stop the server (once) with Ctrl+C or `sig`; (exit code, stdout, stderr)."
        if not hasattr(self, 'result'):
            if self.proc.poll() is None: self.proc.send_signal(sig)
            try: out = self.proc.communicate(timeout=60)[0]
            except subprocess.TimeoutExpired:
                self.proc.kill()
                out = self.proc.communicate()[0]
            self.result = self.proc.returncode, out, self.log.read_text()
        return self.result

class Conn:
    "One keep-alive HTTP/1.1 connection on a raw socket, so that a request may be any bytes."
    def __init__(self, port: int, timeout: float = 60):
        self.port, self.timeout, self.sock, self.buf = port, timeout, None, b''

    def send(self, data: bytes, head: bool = False):
        "(status, headers, body) of the answer to `data`, or None if the server closed instead."
        if self.sock is None:
            self.sock = socket.create_connection(('127.0.0.1', self.port), timeout=self.timeout)
            self.buf = b''
        try: self.sock.sendall(data)
        except (BrokenPipeError, ConnectionResetError):     # the server closed it after an answer
            self.close()
            return None
        return self.receive(head)

    def receive(self, head: bool = False):
        "The next answer (status, headers, body), or None if the server closed the connection."
        try:
            while b'\r\n\r\n' not in self.buf: self._more()
            top, self.buf = self.buf.split(b'\r\n\r\n', 1)
            lines = top.decode('latin-1').split('\r\n')
            headers = {k.strip().lower(): v.strip()
                       for k, _, v in (line.partition(':') for line in lines[1:])}
            n = 0 if head else int(headers.get('content-length', 0))
            while len(self.buf) < n: self._more()
            body, self.buf = self.buf[:n], self.buf[n:]
            if headers.get('connection') == 'close': self.close()
            return int(lines[0].split()[1]), headers, body
        except (EOFError, ConnectionResetError):
            self.close()
            return None

    def _more(self):
        chunk = self.sock.recv(1 << 16)
        if not chunk: raise EOFError
        self.buf += chunk

    def request(self, method: str, target: str, head: bool = False):
        "The answer to `METHOD TARGET` (target sent as given)."
        return self.send(f'{method} {target} HTTP/1.1\r\nHost: localhost\r\n\r\n'
                         .encode('latin-1'), head)

    def get(self, target: str):
        "A GET; once more on a new connection if the server had closed this one (as clients do)."
        answer = self.request('GET', target)
        return answer if answer is not None else self.request('GET', target)

    def close(self):
        if self.sock is not None: self.sock.close()
        self.sock = None

def raw(port: int, data: bytes):
    "Send `data` on a fresh connection: the status of the answer, or None if the server closed."
    c = Conn(port, timeout=2)
    try:
        try: r = c.send(data)
        except socket.timeout:             # not a whole request: stop sending, the server closes
            c.sock.shutdown(socket.SHUT_WR)
            c.sock.settimeout(30)
            try: r = c.receive()
            except socket.timeout: return 'hung'
    except (ConnectionResetError, BrokenPipeError): r = None    # closed while we were sending
    finally: c.close()
    return r if r is None else r[0]

@pytest.fixture(scope='module')
def servers(tmp_path_factory):
    "The four servers, started at the same time (each spends seconds importing torch)."
    tmp = tmp_path_factory.mktemp('serve')
    s = {'student': Server(tmp, 'dcgan-mnist-student'),
         'onnx': Server(tmp, 'dcgan-mnist-student', '--onnx'),
         'cgan': Server(tmp, 'cgan-mnist'),
         'tiny': Server(tmp, 'dcgan-mnist', '--queue', '1', '--timeout', '0.25',
                        '--max-n', '512')}
    try:
        for server in s.values(): server.wait()
        yield s
    finally:
        for server in s.values(): server.stop()

def npy(body: bytes) -> np.ndarray:
    return np.load(io.BytesIO(body), allow_pickle=False)

def test_png_and_npy(servers):
    c = Conn(servers['student'].port)
    status, headers, body = c.get('/sample?n=16&seed=3')
    assert (status, headers['content-type'], headers['x-seed']) == (200, 'image/png', '3')
    im = Image.open(io.BytesIO(body))
    assert (im.format, im.mode, im.size) == ('PNG', 'L', (122, 122))   # 4 x 4 tiles of 28 + 2
    assert c.get('/sample?n=16&seed=3')[2] == body, 'the same seed must give the same bytes'
    assert c.get('/sample?n=16&seed=4')[2] != body
    im = Image.open(io.BytesIO(c.get('/sample?n=10&nrow=5&seed=0')[2]))
    assert im.size == (5 * 30 + 2, 2 * 30 + 2)
    status, headers, body = c.get('/sample?n=7&seed=3&format=npy')
    a = npy(body)
    assert (status, a.dtype, a.shape) == (200, np.float32, (7, 1, 28, 28))
    assert -1 <= a.min() < a.max() <= 1
    assert c.get('/sample?n=7&seed=3&format=npy')[2] == body
    from ganbook.pretrained import load
    ref = load('dcgan-mnist-student').sample(7, seed=3).numpy()
    assert np.abs(a - ref).max() <= 1e-5     # the server runs 1 thread: sums may differ in order
    seeds = {c.get('/sample?n=1')[1]['x-seed'] for _ in range(5)}
    assert len(seeds) == 5, 'without a seed, each request gets a new one'

def test_conditions(servers):
    c = Conn(servers['cgan'].port)
    a = npy(c.get('/sample?n=8&seed=0&label=7&format=npy')[2])
    from ganbook.pretrained import load
    ref = load('cgan-mnist').sample(8, seed=0, labels=7).numpy()
    assert np.abs(a - ref).max() <= 1e-5
    assert not np.allclose(a, npy(c.get('/sample?n=8&seed=0&label=1&format=npy')[2]))
    status, _, body = c.get('/sample?label=10')
    assert status == 400 and 'label must be an integer from 0 to 9' in json.loads(body)['error']
    status, _, body = Conn(servers['student'].port).get('/sample?label=7')
    assert status == 400 and "unknown parameter 'label'" in json.loads(body)['error']

def test_onnx_matches_torch(servers):
    t, o = Conn(servers['student'].port), Conn(servers['onnx'].port)
    for seed in (0, 3):
        x = npy(t.get(f'/sample?n=64&seed={seed}&format=npy')[2])
        y = npy(o.get(f'/sample?n=64&seed={seed}&format=npy')[2])
        assert np.abs(x - y).max() <= 1e-4
        p, q = (np.array(Image.open(io.BytesIO(c.get(f'/sample?n=64&seed={seed}')[2])), int)
                for c in (t, o))
        assert p.shape == q.shape and np.abs(p - q).max() <= 1 and (p != q).mean() < 0.001
    assert json.loads(o.get('/info')[2])['backend'] == 'onnxruntime'

def test_info_health_metrics(servers):
    from ganbook.pretrained import record
    c = Conn(servers['student'].port)
    info = json.loads(c.get('/info')[2])
    assert info['model'] == 'dcgan-mnist-student' and info['backend'] == 'torch'
    assert info['spec']['arch'] == 'dcgan.Generator' and info['conditions'] == []
    assert info['record'] == record('dcgan-mnist-student')
    assert info['limits'] == {'max_n': 256, 'queue': 64, 'timeout': 10.0, 'max_query': 2048}
    assert json.loads(Conn(servers['cgan'].port).get('/info')[2])['conditions'] == ['label']
    health = json.loads(c.get('/health')[2])
    assert health['status'] == 'ok' and health['pending'] == 0
    for _ in range(3): c.get('/sample?n=2&seed=1')
    c.get('/sample?n=0')
    status, headers, body = c.get('/metrics')
    text = body.decode()
    assert status == 200 and headers['content-type'].startswith('text/plain')
    counts = dict(re.findall(r'^(ganbook_\w+(?:\{[^}]*\})?) (\S+)$', text, re.M))
    assert int(counts['ganbook_requests_total{path="/sample",status="200"}']) >= 3
    assert int(counts['ganbook_requests_total{path="/sample",status="400"}']) >= 1
    for q in ('0.5', '0.95', '0.99'):
        assert float(counts[f'ganbook_request_seconds{{path="/sample",quantile="{q}"}}']) > 0
    assert counts['ganbook_queue_depth'] == '0' and counts['ganbook_queue_limit'] == '64'
    assert counts['ganbook_errors_total{kind="server"}'] == '0'
    assert '# TYPE ganbook_request_seconds summary' in text

@pytest.mark.parametrize('method,target,status,error', [
    ('GET', '/sample?n=-1', 400, "n must be an integer from 1 to 256, got '-1'"),
    ('GET', '/sample?n=257', 400, 'n must be an integer from 1 to 256'),
    ('GET', '/sample?n=NaN', 400, "got 'NaN'"),
    ('GET', '/sample?seed=99999999999999999999', 400, 'seed must be an integer from 0 to'),
    ('GET', '/sample?format=gif', 400, "format must be png or npy, got 'gif'"),
    ('GET', '/sample?n=2&n=3', 400, 'n is given more than once'),
    ('GET', '/sample?size=2', 400, "unknown parameter 'size'; /sample takes n, seed, nrow, format"),
    ('GET', '/sample?' + 'x' * 3000, 414, 'the query string has 3,000 characters'),
    ('GET', '/metrics?x', 400, '/metrics takes no parameters'),
    ('GET', '/samples', 404, "no such path '/samples'"),
    ('GET', '/sample/', 404, "no such path '/sample/'"),
    ('POST', '/sample', 405, "'POST' is not allowed on '/sample'; use GET"),
    ('DELETE', '/health', 405, "'DELETE' is not allowed on '/health'"),
])
def test_refusals(servers, method, target, status, error):
    got, headers, body = Conn(servers['student'].port).request(method, target)
    assert got == status and headers['content-type'] == 'application/json'
    assert error in json.loads(body)['error'] and b'\n' not in body
    if status == 405: assert set(headers['allow'].split(', ')) == {'GET', 'HEAD'}

def test_head(servers):
    status, headers, body = Conn(servers['student'].port).request('HEAD', '/sample?n=4', True)
    assert status == 200 and int(headers['content-length']) > 0 and body == b''

def test_queue_full_and_timeout(servers):
    "--queue 1, --timeout 0.25 s: a 512-sample teacher request times out and keeps the queue."
    port = servers['tiny'].port
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=Conn(port).get('/sample?n=512')))
    t.start()
    c = Conn(port)
    for _ in range(2000):                  # until the big generation holds the one place
        if json.loads(c.get('/health')[2])['pending'] == 1: break
        time.sleep(0.005)
    status, headers, body = c.get('/sample?n=1')
    assert (status, headers['retry-after']) == (503, '1')
    assert json.loads(body)['error'].startswith('busy: 1 generations are pending')
    t.join(60)
    status, _, body = slow['r']
    assert status == 503 and 'longer than the 0.25 s timeout' in json.loads(body)['error']
    for _ in range(1200):                  # the generation still finishes, then leaves
        if json.loads(c.get('/health')[2])['pending'] == 0: break
        time.sleep(0.05)
    assert any(c.get('/sample?n=1&seed=0')[0] == 200 for _ in range(5))
    text = c.get('/metrics')[2].decode()
    assert re.search(r'^ganbook_rejected_total\{reason="queue_full"\} [1-9]', text, re.M)
    assert re.search(r'^ganbook_rejected_total\{reason="timeout"\} [1-9]', text, re.M)
    assert int(re.search(r'^ganbook_errors_total\{kind="server"\} (\d+)', text, re.M)[1]) >= 2

HOSTILE = ['', '-1', '0', '257', '1e3', '1.5', 'nan', 'NaN', 'inf', '-inf', '0x10', '١٢', '+1',
           ' 1', '1 ', '\x00', '\xff', "'", '"', '<script>', '9' * 30, '9' * 5000,
           '-' + '9' * 40, '1,2', 'null', 'true', '[]', '{}', '\\', '%', '%zz', '1;2', '../..',
           '\u202e', 'é', '\r\n', '1' * 19, str(2 ** 63), str(2 ** 64)]
BAD_SEEDS = ['', '-1', str(2 ** 63), str(2 ** 64), '9' * 30, 'nan', '0x10', '1e3', '+1', ' 1',
             '١', '1.0']
METHODS = ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'TRACE', 'FOO', 'get', 'G ET', 'CONNECT']

def hostile_request(rng: random.Random) -> bytes:
    "One malformed or hostile request that is still shaped like HTTP."
    def value(choices=HOSTILE):
        v = rng.choice(choices) if rng.random() < 0.7 else ''.join(
            chr(rng.randrange(1, 0x3000)) for _ in range(rng.randrange(1, 40)))
        if rng.random() < 0.8 or '\r' in v or '\n' in v: return quote(v, safe='')
        return v                         # sent raw: non-ASCII, spaces, NUL get uvicorn's 400
    kind = rng.randrange(8)
    method, path = 'GET', '/sample'
    if kind == 0:                        # a bad value (none of HOSTILE is a valid n or format)
        name = rng.choice(['n', 'nrow', 'format', 'seed'])
        v = quote(rng.choice(BAD_SEEDS), safe='') if name == 'seed' else quote(
            rng.choice(HOSTILE), safe='')
        query = f"{name}={v}"
    elif kind == 1: query = f"n={rng.randrange(1, 9)}&{value() or 'x'}={value()}"
    elif kind == 2: query = f"n=2&format=png&{rng.choice(['n', 'format'])}=2"
    elif kind == 3: query = rng.choice(['n=1&', 'x', '%41', '&', '=']) * rng.randrange(600, 26000)
    elif kind == 4:
        path = '/' + '/'.join(value() for _ in range(rng.randrange(1, 5)))
        query = ''
        if path in ('/sample', '/info', '/health', '/metrics', '/'): path += 'x'
    elif kind == 5:
        method, path, query = rng.choice(METHODS), rng.choice(['/sample', '/health', '/']), 'n=1'
    elif kind == 6: query = f"{rng.choice(['label', 'category', 'code', 'N', 'n '])}=1"
    else: path, query = rng.choice(['/info', '/health', '/metrics']), f"{value() or 'a'}=1"
    target = path + ('?' + query if query else '')
    extra, body = '', ''
    if rng.random() < 0.1: extra = f"X-Junk: {'a' * rng.randrange(10, 50_000)}\r\n"
    if rng.random() < 0.05: extra, body = extra + 'Content-Length: 5\r\n', 'hello'
    return f"{method} {target} HTTP/1.1\r\nHost: localhost\r\n{extra}\r\n{body}".encode('utf-8')

GARBAGE = [b'\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03', b'PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n',
           b'GET / HTTP/9.9\r\n\r\n', b'GET /sample?n=1 2 HTTP/1.1\r\n\r\n',
           b'GET /sample HTTP/1.1\r\nHost x\r\n\r\n', b'GET /sam\x00ple HTTP/1.1\r\n\r\n',
           b'GET /sample HTTP/1.1\r\nContent-Length: -1\r\n\r\n',
           b'POST /sample HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n',
           b'GET /sample HTTP/1.1\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n'
           b'0\r\n\r\n',
           b'\r\n\r\n\r\n', b'GET', b'GET /sample?n=2 HTTP/1.1\r\n', b'\x00' * 100]

def garbage(rng: random.Random) -> bytes:
    "Bytes that are not a valid HTTP request: fixed cases and random ones."
    if rng.random() < 0.4: return rng.choice(GARBAGE)
    junk = bytes(rng.randrange(256) for _ in range(rng.randrange(1, 3000)))
    junk = junk.replace(b'\r', b'').replace(b'\n', b'')      # one line: `GET /sample` is valid
    return rng.choice([junk, b'GET /sample' + junk + b'\r\n\r\n', junk + b'\r\n\r\n'])

def test_fuzz(servers):
    "1,100 hostile requests on keep-alive connections, 150 garbage ones on fresh sockets."
    s = servers['student']
    c, rng = Conn(s.port), random.Random(20)
    for n, fmt in ((256, 'png'), (256, 'npy'), (1, 'png'), (100, 'npy')) * 3:   # warm up
        assert c.get(f'/sample?n={n}&format={fmt}')[0] == 200
    before = s.rss_mb()
    outcomes, valid = {}, 0
    for i in range(1250):
        if i % 10 == 0:                    # and some real work in between, of the warm-up sizes
            n, fmt = rng.choice([1, 100, 256]), rng.choice(['png', 'npy'])
            status, _, body = c.get(f'/sample?n={n}&format={fmt}&seed={i}')
            assert status == 200
            if fmt == 'npy': assert npy(body).shape == (n, 1, 28, 28)
            valid += 1
            continue
        if i < 1100:
            data = hostile_request(rng)
            r = c.send(data)
            got = None if r is None else r[0]
        else:
            data = garbage(rng)
            got = raw(s.port, data)
        outcomes[got] = outcomes.get(got, 0) + 1
        assert got is None or (isinstance(got, int) and 400 <= got < 500), (got, data[:200])
    hostile = sum(outcomes.values())
    assert hostile >= 1000 and valid >= 100
    assert outcomes.get(None, 0) < hostile / 4, outcomes     # mostly real answers, not closes
    assert json.loads(Conn(s.port).get('/health')[2])['status'] == 'ok'
    grown = s.rss_mb() - before
    assert grown < 40, f"resident memory grew by {grown:.0f} MB"
    text = Conn(s.port).get('/metrics')[2].decode()
    assert 'ganbook_errors_total{kind="server"} 0' in text
    assert 'Traceback' not in s.log.read_text()
    print(f"fuzz: {hostile} hostile requests {dict(sorted(outcomes.items(), key=str))}, "
          f"{valid} valid; RSS {before:.0f} -> {before + grown:.0f} MB")

def test_stops_cleanly(servers):
    "Ctrl+C or SIGTERM: a graceful shutdown, exit code 0, no traceback (last: it stops them)."
    for name, sig in (('student', signal.SIGINT), ('onnx', signal.SIGTERM)):
        rc, out, err = servers[name].stop(sig)
        assert rc == 0 and 'ganbook serve: stopped' in out, (rc, out, err[-2000:])
        assert 'Traceback' not in err

def cli(capsys, monkeypatch, *args):
    "`ganbook ARGS` in this process: (exit code, stderr); threads and environment restored."
    from ganbook.cli import main
    monkeypatch.setenv('ONEDNN_PRIMITIVE_CACHE_CAPACITY', '16')     # what serve would set
    threads = torch.get_num_threads()
    try: rc = main([str(a) for a in args])
    finally: torch.set_num_threads(threads)
    return rc, capsys.readouterr().err

@pytest.mark.parametrize('args,text', [
    (['no-such-model'], 'neither a shipped model'),
    (['dcgan-mnist-student', '--port', '70000'], '--port must be at least 0 and at most 65,535'),
    (['dcgan-mnist-student', '--max-n', '0'], '--max-n must be positive'),
    (['dcgan-mnist-student', '--timeout', 'nan'], '--timeout must be positive'),
    (['dcgan-mnist-student', '--threads', '0'], '--threads must be positive'),
    (['cgan-mnist', '--onnx'], '--onnx serves DCGAN generators (input z only)'),
    (['dcgan-mnist-student', '--host', '203.0.113.1'], 'cannot listen on 203.0.113.1 port'),
])
def test_bad_options_are_one_line(capsys, monkeypatch, args, text):
    rc, err = cli(capsys, monkeypatch, 'serve', *args)
    assert rc == 2 and len(err.strip().splitlines()) == 1 and text in err, (rc, err)

def test_port_in_use(capsys, monkeypatch):
    with socket.socket() as taken:
        taken.bind(('127.0.0.1', 0))
        taken.listen()
        rc, err = cli(capsys, monkeypatch, 'serve', 'dcgan-mnist-student', '--port',
                      taken.getsockname()[1])
    assert rc == 2 and 'cannot listen on 127.0.0.1 port' in err, err
