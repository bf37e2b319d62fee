/**
 * A throwaway OpenSSH server for tests that need a real `ssh://` remote.
 *
 * Everything it uses (host keys, client keys, authorized_keys, known_hosts, config, pid file) lives in a
 * fresh temp dir, so neither the machine's sshd setup nor the user's ~/.ssh can change what tests see.
 */
import { accessSync, constants as fsConstants } from "node:fs";
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { createConnection, createServer } from "node:net";
import { tmpdir, userInfo } from "node:os";
import { delimiter, isAbsolute, join } from "node:path";
import { execa } from "execa";
import type { ResultPromise } from "execa";
import { HERMETIC_GIT_ENV } from "./sandbox.ts";

export interface SshServer {
  readonly port: number;
  readonly host: "127.0.0.1";
  /** ssh:// URL for a bare repo path on this machine, e.g. ssh://<user>@127.0.0.1:<port>/abs/path.git */
  repoUrl(barePath: string): string;
  /** Private key file (mode 0600) accepted by the server. */
  readonly clientKeyFile: string;
  /** known_hosts file with the server's host key for [127.0.0.1]:port */
  readonly knownHostsFile: string;
  /** A known_hosts file with a DIFFERENT host key for the same host (to test fail-closed). */
  readonly wrongKnownHostsFile: string;
  /** Private key NOT authorised on the server. */
  readonly unauthorisedKeyFile: string;
  stop(): Promise<void>;
}

const HOST = "127.0.0.1";
// Compiled into Debian's sshd; it refuses to start without it, and a fresh container often lacks it.
const PRIVSEP_DIR = "/run/sshd";
const START_ATTEMPTS = 5;
const READY_TIMEOUT_MS = 10_000;
// sshd's shutdown is instant; the SIGKILL fallback only matters if it hangs.
const STOP_GRACE_MS = 3_000;

const SSHD_SPAWN_OPTIONS = {
  stdin: "ignore",
  stdout: "ignore",
  stderr: "pipe",
  // We read stderr as it streams to detect readiness; nothing needs the buffered output.
  buffer: false,
  // Being killed by stop() is the normal way for sshd to end, not an error.
  reject: false,
  // Kill sshd if the test process exits without calling stop().
  cleanup: true,
} as const;

type SshdProcess = ResultPromise<typeof SSHD_SPAWN_OPTIONS>;

function isExecutable(path: string): boolean {
  try {
    accessSync(path, fsConstants.X_OK);
    return true;
  } catch {
    return false;
  }
}

/** sbin is often missing from PATH for non-root users, so look there first. */
function findBinary(name: string, preferred: readonly string[]): string | undefined {
  const pathDirs = (process.env["PATH"] ?? "").split(delimiter).filter((dir) => dir !== "");
  for (const dir of [...preferred, ...pathDirs]) {
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return undefined;
}

function findSshd(): string | undefined {
  return findBinary("sshd", ["/usr/sbin", "/usr/local/sbin", "/sbin"]);
}

function findSshKeygen(): string | undefined {
  return findBinary("ssh-keygen", []);
}

/** False when sshd, ssh or ssh-keygen is missing, so a suite can be skipped with a clear reason. */
export function sshAvailable(): boolean {
  return findSshd() !== undefined && findSshKeygen() !== undefined && findBinary("ssh", []) !== undefined;
}

function requireBinary(name: string, path: string | undefined): string {
  if (path === undefined) throw new Error(`${name} not found; install openssh-server and openssh-client`);
  return path;
}

async function generateKey(sshKeygen: string, file: string, comment: string): Promise<string> {
  await execa(sshKeygen, ["-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", file], { stdin: "ignore" });
  // ssh refuses private keys that others can read; ssh-keygen already uses 0600 but a umask must not matter.
  await chmod(file, 0o600);
  const publicKey = (await readFile(`${file}.pub`, "utf8")).trim();
  // known_hosts wants "<type> <base64>" without the comment.
  const [type, base64] = publicKey.split(/\s+/);
  if (type === undefined || base64 === undefined)
    throw new Error(`unexpected public key format in ${file}.pub`);
  return `${type} ${base64}`;
}

async function ensurePrivsepDir(): Promise<void> {
  try {
    await mkdir(PRIVSEP_DIR, { recursive: true, mode: 0o755 });
  } catch (error) {
    // Without root we cannot create it; sshd then says exactly what is missing, so only rethrow if absent.
    const exists = await stat(PRIVSEP_DIR).then(
      () => true,
      () => false,
    );
    if (!exists) throw new Error(`cannot create ${PRIVSEP_DIR} for sshd`, { cause: error });
  }
}

/** The OS hands out a free port for port 0; sshd may still lose a race for it, which the caller retries. */
function pickFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      const port = typeof address === "object" && address != null ? address.port : undefined;
      server.close(() => {
        if (port === undefined) reject(new Error("could not determine a free port"));
        else resolve(port);
      });
    });
  });
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host: HOST, port });
    socket.once("connect", () => {
      socket.destroy();
      resolve(true);
    });
    socket.once("error", () => {
      socket.destroy();
      resolve(false);
    });
  });
}

function sshdConfig(dir: string, port: number, user: string): string {
  return [
    `ListenAddress ${HOST}:${port}`,
    `HostKey ${join(dir, "host_ed25519")}`,
    `PidFile ${join(dir, "sshd.pid")}`,
    `AuthorizedKeysFile ${join(dir, "authorized_keys")}`,
    // The temp dir's owner and modes are not what sshd expects of a home directory.
    "StrictModes no",
    "PubkeyAuthentication yes",
    "PasswordAuthentication no",
    "KbdInteractiveAuthentication no",
    "UsePAM no",
    // Tests run as root in CI containers; keys only, like any real server.
    "PermitRootLogin prohibit-password",
    `AllowUsers ${user}`,
    "PrintMotd no",
    "PrintLastLog no",
    "X11Forwarding no",
    "AllowTcpForwarding no",
    "AllowAgentForwarding no",
    "PermitTunnel no",
    // The server-side git must not read the machine's or the user's git config either.
    `SetEnv ${Object.entries(HERMETIC_GIT_ENV)
      .map(([name, value]) => `${name}=${value}`)
      .join(" ")}`,
    "LogLevel INFO",
    "",
  ].join("\n");
}

async function stopProcess(child: SshdProcess): Promise<void> {
  if (child.exitCode != null || child.signalCode != null) return;
  child.kill("SIGTERM");
  const timer = setTimeout(() => child.kill("SIGKILL"), STOP_GRACE_MS);
  try {
    await child;
  } catch {
    // Killed on purpose; the exit status is not interesting.
  } finally {
    clearTimeout(timer);
  }
}

interface Started {
  child: SshdProcess;
  port: number;
}

/** Starts sshd on a fresh port; resolves once it listens, rejects with its log if it exits first. */
async function launchSshd(sshd: string, dir: string, user: string, port: number): Promise<Started> {
  const configFile = join(dir, "sshd_config");
  await writeFile(configFile, sshdConfig(dir, port, user), { mode: 0o600 });

  // -D: stay in the foreground so we own the process; -e: log to stderr so failures are visible.
  const child: SshdProcess = execa(sshd, ["-D", "-e", "-f", configFile], SSHD_SPAWN_OPTIONS);

  let log = "";
  const listening = `Server listening on ${HOST} port ${port}`;
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`sshd did not listen within ${READY_TIMEOUT_MS} ms:\n${log}`)),
      READY_TIMEOUT_MS,
    );
    child.stderr.setEncoding("utf8");
    child.stderr.on("data", (chunk: string) => {
      log += chunk;
      if (log.includes(listening)) {
        clearTimeout(timer);
        resolve();
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`sshd exited early (code ${String(code)}, signal ${String(signal)}):\n${log}`));
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });

  try {
    await ready;
    // The log line comes right after listen(); a connect proves the port really is ours and open.
    if (!(await canConnect(port)))
      throw new Error(`sshd reported listening but port ${port} refuses connections`);
  } catch (error) {
    await stopProcess(child);
    throw error;
  }
  return { child, port };
}

export async function startSshServer(): Promise<SshServer> {
  const sshd = requireBinary("sshd", findSshd());
  const sshKeygen = requireBinary("ssh-keygen", findSshKeygen());
  const user = userInfo().username;

  const dir = await mkdtemp(join(tmpdir(), "ci-mirror-sshd-"));
  try {
    await ensurePrivsepDir();

    const clientKeyFile = join(dir, "client_ed25519");
    const unauthorisedKeyFile = join(dir, "unauthorised_ed25519");
    const [hostKey, wrongHostKey, clientKey] = await Promise.all([
      generateKey(sshKeygen, join(dir, "host_ed25519"), "ci-mirror-test-host"),
      generateKey(sshKeygen, join(dir, "wrong_host_ed25519"), "ci-mirror-test-wrong-host"),
      generateKey(sshKeygen, clientKeyFile, "ci-mirror-test-client"),
      generateKey(sshKeygen, unauthorisedKeyFile, "ci-mirror-test-unauthorised"),
    ]);
    await writeFile(join(dir, "authorized_keys"), `${clientKey}\n`, { mode: 0o600 });

    let started: Started | undefined;
    const failures: string[] = [];
    for (let attempt = 1; attempt <= START_ATTEMPTS && started === undefined; attempt++) {
      const port = await pickFreePort();
      try {
        started = await launchSshd(sshd, dir, user, port);
      } catch (error) {
        // Usually another process grabbed the port between our probe and sshd's bind; try a new one.
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
    if (started === undefined) {
      throw new Error(`sshd failed to start after ${START_ATTEMPTS} attempts:\n${failures.join("\n---\n")}`);
    }
    const { child, port } = started;

    // Non-default ports are keyed as "[host]:port" in known_hosts.
    const hostPattern = `[${HOST}]:${port}`;
    const knownHostsFile = join(dir, "known_hosts");
    const wrongKnownHostsFile = join(dir, "wrong_known_hosts");
    await writeFile(knownHostsFile, `${hostPattern} ${hostKey}\n`, { mode: 0o600 });
    await writeFile(wrongKnownHostsFile, `${hostPattern} ${wrongHostKey}\n`, { mode: 0o600 });

    let stopping: Promise<void> | undefined;
    return {
      port,
      host: HOST,
      clientKeyFile,
      knownHostsFile,
      wrongKnownHostsFile,
      unauthorisedKeyFile,
      repoUrl(barePath: string): string {
        if (!isAbsolute(barePath)) throw new Error(`repoUrl needs an absolute path, got ${barePath}`);
        return `ssh://${user}@${HOST}:${port}${barePath}`;
      },
      stop(): Promise<void> {
        // Idempotent, so afterAll and a failing test's own cleanup can both call it.
        stopping ??= stopProcess(child).then(() => rm(dir, { recursive: true, force: true }));
        return stopping;
      },
    };
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
}
