#!/usr/bin/env python3
"""Load test of `ganbook serve`: requests/s and latency with 1, 8 and 32 concurrent clients.

For each served model (by default chapter 6's teacher `dcgan-mnist`, and its student
`dcgan-mnist-student` through torch and through ONNX Runtime), the script starts
`python -m ganbook.cli serve MODEL --port 0` on localhost in a subprocess, waits for /health,
and then for each number of clients runs them for `--duration` seconds (after `--warmup` seconds
that are not counted). Each client is one keep-alive HTTP/1.1 connection on a raw asyncio socket
(no HTTP library: the client must cost little next to the server it measures, on the same
machine) that asks `GET /sample?n=16&seed=K&format=png` with a new seed K each time, reads the
answer, and asks again at once. A request counts as an error if its status is not 200, its
connection fails or it takes longer than 30 s.

Prints a table and one JSON line: per model, backend and client count, the requests, requests/s,
p50/p95/p99 latency (nearest rank, over every request of the measured window) and errors.
`--record` also writes them as the record `serve-load` (ganbook/weights/records/), with the
command, the machine (CPU model, cores) and the date; chapter 6 shows that table. The server and
the clients share the machine's cores, as they would on a one-box deployment: run it on a quiet
machine, since other processes change both.
Usage: python benchmarks/serve_load.py [--duration 10] [--clients 1 8 32] [--threads 1] [--record]
"""
import argparse, asyncio, json, os, platform, re, signal, subprocess, sys, time
import urllib.request
from ganbook.serve import quantiles

SERVE = [sys.executable, '-m', 'ganbook.cli', 'serve']
SETUPS = {'teacher': ('dcgan-mnist', False), 'student': ('dcgan-mnist-student', False),
          'student-onnx': ('dcgan-mnist-student', True)}

def start_server(model, onnx, threads, http, queue):
    "Start `ganbook serve` on a free localhost port; return (process, host, port) once healthy."
    cmd = [*SERVE, model, '--port', '0', '--threads', str(threads), '--http', http,
           '--queue', str(queue), *(['--onnx'] if onnx else [])]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    line = proc.stdout.readline()
    m = re.search(r'http://([\d.]+):(\d+)', line)
    if not m:
        proc.kill()
        sys.exit(f"the server did not start: {line!r} (exit code {proc.wait()})")
    host, port = m[1], int(m[2])
    for _ in range(300):
        try:
            with urllib.request.urlopen(f'http://{host}:{port}/health', timeout=5) as r:
                if r.status == 200: return proc, host, port
        except OSError: time.sleep(0.1)
    proc.kill()
    sys.exit('the server never answered /health')

def stop_server(proc):
    "Ctrl+C the server (a graceful shutdown) and wait for it."
    proc.send_signal(signal.SIGINT)
    try: proc.wait(30)
    except subprocess.TimeoutExpired: proc.kill()

async def one_client(host, port, query, seeds, stop, lat, errors, counting):
    "Keep asking on one keep-alive connection until `stop`; record latencies while `counting`."
    reader = writer = None
    while time.perf_counter() < stop:
        try:
            if writer is None: reader, writer = await asyncio.open_connection(host, port)
            seed = next(seeds)
            t = time.perf_counter()
            writer.write(f'GET /sample?{query}&seed={seed} HTTP/1.1\r\nHost: {host}\r\n\r\n'
                         .encode())
            head = await asyncio.wait_for(reader.readuntil(b'\r\n\r\n'), 30)
            length = int(re.search(rb'(?i)content-length: *(\d+)', head)[1])
            await asyncio.wait_for(reader.readexactly(length), 30)
            ok = head.startswith(b'HTTP/1.1 200 ')
            if counting():
                lat.append(time.perf_counter() - t)
                errors[0] += not ok
        except (OSError, asyncio.TimeoutError, asyncio.IncompleteReadError, TypeError):
            if counting(): errors[0] += 1
            if writer is not None: writer.close()
            reader = writer = None
    if writer is not None: writer.close()

async def drive(host, port, clients, query, warmup, duration):
    "Run `clients` clients for warmup + duration seconds; latencies and errors of the duration."
    lat, errors, seeds = [], [0], iter(range(10 ** 12))
    t0 = time.perf_counter()
    start, stop = t0 + warmup, t0 + warmup + duration
    counting = lambda: start <= time.perf_counter() < stop     # noqa: E731
    await asyncio.gather(*(one_client(host, port, query, seeds, stop, lat, errors, counting)
                           for _ in range(clients)))
    return lat, errors[0]

def machine() -> str:
    "The CPU model and core count."
    cpu = platform.processor() or platform.machine()
    try:
        for line in open('/proc/cpuinfo'):
            if line.startswith('model name'):
                cpu = line.split(':', 1)[1].strip()
                break
    except OSError: pass
    return f"{cpu}, {os.cpu_count()} cores"

def main():
    "Drive each setup with each number of clients; print the table and one JSON line."
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--setups', nargs='+', choices=list(SETUPS), default=list(SETUPS))
    ap.add_argument('--clients', type=int, nargs='+', default=[1, 8, 32])
    ap.add_argument('--duration', type=float, default=10.0, help='measured seconds per level')
    ap.add_argument('--warmup', type=float, default=1.0, help='uncounted seconds per level')
    ap.add_argument('--n', type=int, default=16, help='samples per request')
    ap.add_argument('--format', choices=['png', 'npy'], default='png')
    ap.add_argument('--threads', type=int, default=1, help='the server\'s --threads')
    ap.add_argument('--http', default='auto', help="the server's --http (auto, h11, httptools)")
    ap.add_argument('--record', action='store_true',
                    help='write the record serve-load into ganbook/weights/records/')
    a = ap.parse_args()
    query = f'n={a.n}&format={a.format}'
    rows = []
    print('| setup | model | backend | clients | requests | req/s | p50 ms | p95 ms | p99 ms '
          '| errors |\n|---|---|---|---|---|---|---|---|---|---|', flush=True)
    for setup in a.setups:
        model, onnx = SETUPS[setup]
        proc, host, port = start_server(model, onnx, a.threads, a.http, max(64, 2 * max(a.clients)))
        try:
            for clients in a.clients:
                lat, errors = asyncio.run(drive(host, port, clients, query, a.warmup, a.duration))
                p50, p95, p99 = quantiles(lat)
                row = dict(setup=setup, model=model, backend='onnxruntime' if onnx else 'torch',
                           clients=clients, requests=len(lat),
                           rps=round(len(lat) / a.duration, 1), errors=errors,
                           p50_ms=round(1e3 * p50, 2), p95_ms=round(1e3 * p95, 2),
                           p99_ms=round(1e3 * p99, 2))
                rows.append(row)
                print(f"| {setup} | {model} | {row['backend']} | {clients} | {row['requests']} "
                      f"| {row['rps']} | {row['p50_ms']} | {row['p95_ms']} | {row['p99_ms']} "
                      f"| {errors} |", flush=True)
        finally: stop_server(proc)
    import importlib.util, onnxruntime, starlette, torch, uvicorn
    parser = a.http if a.http != 'auto' else (
        'httptools' if importlib.util.find_spec('httptools') else 'h11')   # uvicorn's choice
    data = dict(results=rows, n=a.n, format=a.format, duration_s=a.duration, warmup_s=a.warmup,
                threads=a.threads, http=parser,
                command='python benchmarks/serve_load.py ' + ' '.join(sys.argv[1:]),
                machine=machine(), date=time.strftime('%Y-%m-%d'), torch=torch.__version__,
                onnxruntime=onnxruntime.__version__, uvicorn=uvicorn.__version__,
                starlette=starlette.__version__, python=platform.python_version())
    print(json.dumps(data))
    if a.record:
        from ganbook.pretrained import save_record
        print('wrote', save_record('serve-load', data))

if __name__ == '__main__': main()
