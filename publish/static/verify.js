//# allFunctionsCalledOnLoad
/* shuangshai verify.js — check a statement page in the browser, trusting no server.
 *
 * Plain JavaScript, no third-party code, no build step; works from file:// and http(s).
 * SHA-256 and Ed25519 come from WebCrypto (crypto.subtle) only. What it checks — the
 * anchor checkpoint and its cosignature quorum, each entry's inclusion and firm
 * signature with the key the registry published, the links, rewrites (localStorage,
 * and online the latest checkpoint and the tiles) — and the data a page embeds for
 * it are in docs/formats.md §8. Everything shown is inserted with textContent: no
 * data ever becomes markup. Line 1 asks Chromium to compile all functions while the
 * script loads (explicit compile hints), not lazily in the middle of the check.
 */
(function () {
  "use strict";

  var ENTRY_PREFIX = "shuangshai/v1/entry\n";
  var STORAGE_PREFIX = "shuangshai:checkpoint:";
  var TILE_WIDTH = 256;
  var utf8 = new TextEncoder();
  var ED25519 = { name: "Ed25519" };

  /** [ms, calls] per kind of work for benchmarks/browser.py (Chromium's WebCrypto
   * works inside the call, so timing the call times it). */
  var costs = {};
  function spend(name, since, calls) {
    var c = costs[name] || (costs[name] = [0, 0]);
    c[0] += performance.now() - since;
    c[1] += calls === undefined ? 1 : calls;
  }

  // ------------------------------------------------------------------ errors
  /** A check failed: `reason` is the short Chinese reason shown in the verdict. */
  function Failure(reason, detail) {
    this.reason = reason;
    this.detail = detail || "";
  }
  /** The browser cannot check at all (no WebCrypto, no Ed25519…). */
  function Unsupported(reason) {
    this.reason = reason;
  }

  // ------------------------------------------------------------------- bytes
  function b64decode(text, what) {
    if (typeof text !== "string" || text.length % 4 !== 0 ||
        !/^[A-Za-z0-9+/]*={0,2}$/.test(text)) {
      throw new Failure("数据格式错误", what + " 不是有效的 base64");
    }
    // Native where there is (the same bytes as atob for the text checked above).
    if (typeof Uint8Array.fromBase64 === "function") return Uint8Array.fromBase64(text);
    var binary = atob(text);
    var out = new Uint8Array(binary.length);
    for (var i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
    return out;
  }
  function b64encode(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
    return btoa(s);
  }
  function hex(bytes) {
    var s = "";
    for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
    return s;
  }
  function concat() {
    var total = 0, i;
    for (i = 0; i < arguments.length; i++) total += arguments[i].length;
    var out = new Uint8Array(total), offset = 0;
    for (i = 0; i < arguments.length; i++) { out.set(arguments[i], offset); offset += arguments[i].length; }
    return out;
  }
  function equal(a, b) {
    if (a.length !== b.length) return false;
    for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
    return true;
  }
  var strictUtf8 = new TextDecoder("utf-8", { fatal: true });
  function decodeUtf8(bytes, what) {
    try {
      return strictUtf8.decode(bytes);
    } catch (e) {
      throw new Failure("数据格式错误", what + " 不是有效的 UTF-8");
    }
  }
  function sha256(bytes) {
    return crypto.subtle.digest("SHA-256", bytes).then(function (d) { return new Uint8Array(d); });
  }
  function asBytes(x) { return x instanceof ArrayBuffer ? new Uint8Array(x) : x; }
  var LEAF = new Uint8Array([0]), NODE = new Uint8Array([1]);
  function hashLeaf(leaf) { return sha256(concat(LEAF, leaf)); }
  function hashChildren(left, right) { return sha256(concat(NODE, left, right)); }
  function isPowerOfTwo(n) { return n > 0 && Math.pow(2, Math.round(Math.log2(n))) === n; }
  function largestPowerOfTwoBelow(n) { var k = 1; while (k * 2 < n) k *= 2; return k; }
  function half(n) { return Math.floor(n / 2); }
  function odd(n) { return n % 2 === 1; }

  // ---------------------------------------------------------- keys and notes
  /** Parse a signed-note vkey `<name>+<hex id>+<base64(type ‖ key)>` and check its id. */
  function parseVkey(text) {
    if (typeof text !== "string") return Promise.reject(new Failure("密钥格式错误", "不是文本"));
    var first = text.indexOf("+"), second = text.indexOf("+", first + 1);
    if (first <= 0 || second < 0) return Promise.reject(new Failure("密钥格式错误", text));
    var name = text.slice(0, first), idHex = text.slice(first + 1, second);
    var raw = b64decode(text.slice(second + 1), "密钥 " + name);
    if (!/^[0-9a-f]{8}$/.test(idHex) || raw.length !== 33 || (raw[0] !== 1 && raw[0] !== 4)) {
      return Promise.reject(new Failure("密钥格式错误", text));
    }
    return sha256(concat(utf8.encode(name + "\n"), raw)).then(function (digest) {
      if (hex(digest.slice(0, 4)) !== idHex) throw new Failure("密钥格式错误", "密钥编号与密钥不符：" + text);
      return { name: name, idHex: idHex, id: digest.slice(0, 4), type: raw[0], pub: raw.slice(1),
               vkey: text, ref: name + "+" + idHex, imported: null };
    });
  }
  function importKey(key) {
    if (!key.imported) {
      key.imported = crypto.subtle.importKey("raw", key.pub, ED25519, false, ["verify"])
        .catch(function () { throw new Unsupported("无法验证：此浏览器不支持 Ed25519"); });
    }
    return key.imported;
  }
  function ed25519Verify(key, signature, message) {
    if (signature.length !== 64) return Promise.resolve(false);
    return importKey(key).then(function (k) {
      var t = performance.now(), ok = crypto.subtle.verify(ED25519, k, signature, message);
      spend("ed25519", t);
      return ok;
    });
  }
  /** Fingerprint people compare with a printed board: SHA-256 of the 32-byte key. */
  function fingerprint(key) {
    return sha256(key.pub).then(function (d) {
      return hex(d.slice(0, 16)).match(/.{4}/g).join(" ");
    });
  }

  /** A C2SP signed note: text before the last blank line, then `— name base64` lines. */
  function parseNote(text, what) {
    if (typeof text !== "string") throw new Failure("检查点格式错误", what);
    var split = text.lastIndexOf("\n\n");
    if (split < 0 || !text.endsWith("\n")) throw new Failure("检查点格式错误", what + "：没有签名行");
    var body = text.slice(0, split + 1);
    var lines = text.slice(split + 2, -1).split("\n");
    var signatures = lines.map(function (line) {
      var m = /^\u2014 (\S+) (\S+)$/.exec(line);
      if (!m) throw new Failure("检查点格式错误", what + "：签名行无法解析");
      var raw = b64decode(m[2], what + " 的签名");
      if (raw.length <= 4) throw new Failure("检查点格式错误", what + "：签名太短");
      return { name: m[1], id: raw.slice(0, 4), sig: raw.slice(4) };
    });
    return { text: text, body: body, signatures: signatures };
  }
  function parseCheckpoint(body, what) {
    var lines = body.slice(0, -1).split("\n");
    if (lines.length < 3 || !/^(0|[1-9][0-9]{0,15})$/.test(lines[1])) {
      throw new Failure("检查点格式错误", what);
    }
    var root = b64decode(lines[2], what + " 的根哈希");
    if (root.length !== 32) throw new Failure("检查点格式错误", what + "：根哈希不是 32 字节");
    return { origin: lines[0], size: Number(lines[1]), root: root };
  }
  function linesBy(note, key) {
    return note.signatures.filter(function (s) { return s.name === key.name && equal(s.id, key.id); });
  }
  /** Verify every line by `key` (type 0x01 over the text, 0x04 as cosignature/v1). */
  function verifyLines(note, key) {
    var lines = linesBy(note, key);
    return Promise.all(lines.map(function (line) {
      if (key.type === 1) return ed25519Verify(key, line.sig, utf8.encode(note.body));
      if (line.sig.length !== 72) return false;
      var t = 0;
      for (var i = 0; i < 8; i++) t = t * 256 + line.sig[i];
      var message = utf8.encode("cosignature/v1\ntime " + t + "\n" + note.body);
      return ed25519Verify(key, line.sig.slice(8), message);
    })).then(function (results) {
      return { present: lines.length > 0, valid: results.every(Boolean) };
    });
  }

  // ------------------------------------------------------------------- policy
  /** A C2SP tlog-policy: log keys, witnesses, groups and the quorum. */
  function parsePolicy(text) {
    if (typeof text !== "string") return Promise.reject(new Failure("信任策略格式错误", ""));
    var logs = [], witnesses = [], groups = {}, quorum = null;
    text.split("\n").forEach(function (raw) {
      var line = raw.trim();
      if (!line || line.charAt(0) === "#") return;
      var w = line.split(/[ \t]+/);
      if (w[0] === "log") logs.push(w[1]);
      else if (w[0] === "witness") witnesses.push({ name: w[1], vkey: w[2] });
      else if (w[0] === "group") {
        var members = w.slice(3);
        var need = w[2] === "all" ? members.length : w[2] === "any" ? 1 : Number(w[2]);
        groups[w[1]] = { need: need, members: members };
      } else if (w[0] === "quorum") quorum = w[1];
      else throw new Failure("信任策略格式错误", line);
    });
    if (!quorum) return Promise.reject(new Failure("信任策略格式错误", "没有 quorum 行"));
    return Promise.all([
      Promise.all(logs.map(parseVkey)),
      Promise.all(witnesses.map(function (w) {
        return parseVkey(w.vkey).then(function (key) { return { name: w.name, key: key }; });
      }))
    ]).then(function (keys) {
      return { text: text, logs: keys[0], witnesses: keys[1], groups: groups, quorum: quorum };
    });
  }
  function quorumMet(policy, name, cosigned) {
    if (name === "none") return true;
    var group = policy.groups[name];
    if (group) {
      var met = group.members.filter(function (m) { return quorumMet(policy, m, cosigned); }).length;
      return met >= group.need;
    }
    return cosigned.indexOf(name) >= 0;
  }

  /** Check a checkpoint note against a policy; returns the parsed checkpoint. */
  function verifyCheckpoint(noteText, policy, origin, what) {
    var note = parseNote(noteText, what);
    var logKey = policy.logs.filter(function (k) { return k.name === origin; })[0];
    if (!logKey) return Promise.reject(new Failure("信任策略中没有本日志的密钥", origin));
    return verifyLines(note, logKey).then(function (result) {
      if (!result.present || !result.valid) {
        throw new Failure("检查点签名无效", what + "：日志密钥 " + logKey.ref + " 的签名" + (result.present ? "无效" : "缺失"));
      }
      var checkpoint = parseCheckpoint(note.body, what);
      if (checkpoint.origin !== origin) throw new Failure("检查点不属于本日志", checkpoint.origin);
      return Promise.all(policy.witnesses.map(function (w) {
        return verifyLines(note, w.key).then(function (r) { return { name: w.name, r: r }; });
      })).then(function (results) {
        var cosigned = [];
        results.forEach(function (x) {
          if (x.r.present && !x.r.valid) throw new Failure("见证人联署无效", what + "：" + x.name);
          if (x.r.present) cosigned.push(x.name);
        });
        if (!quorumMet(policy, policy.quorum, cosigned)) {
          throw new Failure("见证人联署不足", what + "：有效联署 " + (cosigned.join("、") || "无") + "，策略要求 " + policy.quorum);
        }
        checkpoint.cosigned = cosigned;
        checkpoint.note = noteText;
        return checkpoint;
      });
    });
  }

  // ------------------------------------------------------------ RFC 9162 proofs
  /** RFC 9162 §2.1.4.2: whether `proof` shows tree (m, first) is a prefix of (n, second). */
  function verifyConsistency(m, n, first, second, proof) {
    if (m > n) return Promise.resolve(false);
    if (m === n) return Promise.resolve(proof.length === 0 && equal(first, second));
    if (m === 0) return Promise.resolve(proof.length === 0);
    if (proof.length === 0) return Promise.resolve(false);
    var path = isPowerOfTwo(m) ? [first].concat(proof) : proof.slice();
    var fn = m - 1, sn = n - 1;
    while (odd(fn)) { fn = half(fn); sn = half(sn); }
    var fr = Promise.resolve(path[0]), sr = Promise.resolve(path[0]), bad = false;
    path.slice(1).forEach(function (c) {
      if (bad) return;
      if (sn === 0) { bad = true; return; }
      if (odd(fn) || fn === sn) {
        fr = fr.then(function (v) { return hashChildren(c, v); });
        sr = sr.then(function (v) { return hashChildren(c, v); });
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        sr = sr.then(function (v) { return hashChildren(v, c); });
      }
      fn = half(fn); sn = half(sn);
    });
    if (bad || sn !== 0) return Promise.resolve(false);
    return Promise.all([fr, sr]).then(function (x) { return equal(x[0], first) && equal(x[1], second); });
  }

  // -------------------------------------------------------- published log files
  function tileIndexPath(n) {
    var s = String(n);
    while (s.length % 3) s = "0" + s;
    var parts = s.match(/.{3}/g);
    return parts.map(function (p, i) { return i < parts.length - 1 ? "x" + p : p; }).join("/");
  }
  function fetchBytes(url) {
    return fetch(url, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Failure("无法读取发布的文件", url + "（" + response.status + "）");
      return response.arrayBuffer();
    }, function () {
      throw new Failure("无法读取发布的文件", url);
    }).then(function (b) { return new Uint8Array(b); });
  }
  function fetchText(url) {
    return fetchBytes(url).then(function (b) { return decodeUtf8(b, url); });
  }

  /** Hashes of a log's tree at `size`, read from its tlog-tiles (cached per URL). */
  function TileReader(baseUrl, size) {
    this.base = baseUrl;
    this.size = size;
    this.cache = {};
  }
  TileReader.prototype.tile = function (level, index) {
    var count = Math.floor(this.size / Math.pow(TILE_WIDTH, level)) - index * TILE_WIDTH;
    var width = Math.min(TILE_WIDTH, count);
    var path = "tile/" + level + "/" + tileIndexPath(index) + (width < TILE_WIDTH ? ".p/" + width : "");
    if (!this.cache[path]) {
      var url = this.base + path;
      this.cache[path] = fetchBytes(url).then(function (data) {
        if (data.length !== width * 32) throw new Failure("发布的日志瓦片不完整", url);
        return data;
      });
    }
    return this.cache[path];
  };
  /** The perfect subtree hash at `height` and `index` (tiles store every 8th level). */
  TileReader.prototype.perfect = function (height, index) {
    var level = Math.floor(height / 8), rest = height % 8, span = Math.pow(2, rest);
    var first = index * span, tileIndex = Math.floor(first / TILE_WIDTH), offset = first % TILE_WIDTH;
    return this.tile(level, tileIndex).then(function (data) {
      var hashes = [];
      for (var i = 0; i < span; i++) hashes.push(data.slice((offset + i) * 32, (offset + i + 1) * 32));
      return (function reduce(list) {
        if (list.length === 1) return Promise.resolve(list[0]);
        var next = [];
        for (var j = 0; j < list.length; j += 2) next.push(hashChildren(list[j], list[j + 1]));
        return Promise.all(next).then(reduce);
      })(hashes);
    });
  };
  /** MTH(D[start:end]) for the aligned ranges RFC 9162 proofs use. */
  TileReader.prototype.range = function (start, end) {
    var n = end - start;
    if (isPowerOfTwo(n) && start % n === 0) return this.perfect(Math.round(Math.log2(n)), start / n);
    var k = largestPowerOfTwoBelow(n), self = this;
    return Promise.all([this.range(start, start + k), this.range(start + k, end)])
      .then(function (x) { return hashChildren(x[0], x[1]); });
  };
  /** RFC 9162 §2.1.4.1 consistency proof from size m to this tree's size. */
  TileReader.prototype.consistency = function (m) {
    var self = this, nodes = [];
    (function subproof(m, start, end, complete) {
      var n = end - start;
      if (m === n) { if (!complete) nodes.push([start, end]); return; }
      var k = largestPowerOfTwoBelow(n);
      if (m <= k) { subproof(m, start, start + k, complete); nodes.push([start + k, end]); }
      else { subproof(m - k, start + k, end, false); nodes.push([start, start + k]); }
    })(m, 0, this.size, true);
    return Promise.all(nodes.map(function (r) { return self.range(r[0], r[1]); }));
  };
  function splitBundle(data, what) {
    var leaves = [], offset = 0;
    while (offset < data.length) {
      if (offset + 2 > data.length) throw new Failure("条目数据已损坏", what);
      var length = data[offset] * 256 + data[offset + 1];
      offset += 2;
      if (offset + length > data.length) throw new Failure("条目数据已损坏", what);
      leaves.push(data.slice(offset, offset + length));
      offset += length;
    }
    return leaves;
  }
  /** zlib-decompress (a Blob's stream would cost tens of ms: not used). */
  function inflate(bytes) {
    if (typeof DecompressionStream === "undefined") {
      return Promise.reject(new Unsupported("无法验证：此浏览器不支持解压（DecompressionStream）"));
    }
    var stream = new DecompressionStream("deflate");
    var writer = stream.writable.getWriter(), reader = stream.readable.getReader(), chunks = [];
    writer.write(bytes).catch(Boolean);  // errors come through the reader
    writer.close().catch(Boolean);
    function read() {
      return reader.read().then(function (r) {
        if (!r.done) return read(chunks.push(r.value));
        return concat.apply(null, chunks);
      });
    }
    return read().catch(function () {
      throw new Failure("本页嵌入的条目数据已损坏", "无法解压");
    });
  }

  // --------------------------------------------------------------- leaves
  /** A leaf `{"accepted_at","payload","sig","v"}` and the payload inside it. */
  function openLeaf(leaf, what) {
    var outer;
    try { outer = JSON.parse(decodeUtf8(leaf, what)); } catch (e) {
      if (e instanceof Failure) throw e;
      throw new Failure("数据格式错误", what + " 不是 JSON");
    }
    if (!outer || outer.v !== 1) throw new Failure("数据格式错误", what);
    var payloadBytes = b64decode(outer.payload, what + " 的内容");
    var payload;
    try { payload = JSON.parse(decodeUtf8(payloadBytes, what)); } catch (e) {
      if (e instanceof Failure) throw e;
      throw new Failure("数据格式错误", what + " 的内容不是 JSON");
    }
    return { acceptedAt: outer.accepted_at, payloadBytes: payloadBytes, payload: payload,
             sig: b64decode(outer.sig, what + " 的签名") };
  }
  var ENTRY_PREFIX_BYTES = utf8.encode(ENTRY_PREFIX);
  function verifyEntrySignature(key, opened) {
    return sha256(opened.payloadBytes).then(function (digest) {
      return ed25519Verify(key, opened.sig, concat(ENTRY_PREFIX_BYTES, digest));
    });
  }

  // ------------------------------------------------------------ local memory
  function recall(origin) {
    try {
      var value = JSON.parse(window.localStorage.getItem(STORAGE_PREFIX + origin) || "null");
      if (value && typeof value.size === "number" && typeof value.root === "string") return value;
    } catch (e) { /* storage off or unreadable: nothing remembered */ }
    return null;
  }
  function remember(origin, checkpoint) {
    try {
      var seen = recall(origin);
      if (seen && seen.size > checkpoint.size) return;
      window.localStorage.setItem(STORAGE_PREFIX + origin,
        JSON.stringify({ size: checkpoint.size, root: b64encode(checkpoint.root) }));
    } catch (e) { /* storage off: the next visit simply remembers nothing */ }
  }
  function isOnline() {
    return location.protocol === "http:" || location.protocol === "https:";
  }

  /**
   * Tie a verified checkpoint to the log's history: what this browser saw before
   * (localStorage) and, online, the latest published checkpoint (consistency proofs
   * from the tiles). Adds checks to `report`; throws Failure on a rewrite.
   */
  function checkHistory(report, label, origin, policy, anchor, baseUrl, online) {
    var seen = recall(origin);
    if (seen && seen.size === anchor.size && seen.root !== b64encode(anchor.root)) {
      return Promise.reject(new Failure("日志被改写",
        "本机曾见过" + label + "第 " + seen.size + " 条时的根哈希 " + seen.root + "，本页的是 " + b64encode(anchor.root)));
    }
    if (!online) {
      report.skip(label + "：离线打开，未能读取最新检查点，无法核对日志此后是否被改写" +
        (seen && seen.size !== anchor.size ? "（本机曾见过第 " + seen.size + " 条的检查点）" : ""));
      remember(origin, anchor);
      return Promise.resolve();
    }
    return fetchText(baseUrl + "checkpoint").then(function (text) {
      return verifyCheckpoint(text, policy, origin, label + "最新检查点");
    }, function (e) {
      // Unreachable (offline phone, moved page): said plainly, like file://.
      report.skip(label + "：未能读取网站上的最新检查点（" + (e.detail || e.reason || e) +
        "），无法核对日志此后是否被改写");
      remember(origin, anchor);
      return null;
    }).then(function (latest) {
      if (!latest) return null;
      if (seen && seen.size > latest.size) {
        throw new Failure("日志被回滚", "本机曾见过" + label + " " + seen.size + " 条，网站上现在只有 " + latest.size + " 条");
      }
      if (seen && seen.size === latest.size && seen.root !== b64encode(latest.root)) {
        throw new Failure("日志被改写", "本机曾见过" + label + "第 " + seen.size + " 条时的根哈希 " + seen.root + "，现在是 " + b64encode(latest.root));
      }
      if (anchor.size > latest.size) {
        throw new Failure("日志被回滚", label + "本页检查点有 " + anchor.size + " 条，网站上的最新检查点只有 " + latest.size + " 条");
      }
      var tiles = new TileReader(baseUrl, latest.size);
      var pairs = [[anchor.size, anchor.root, "本页检查点"]];
      if (seen && seen.size !== anchor.size && seen.size < latest.size) {
        pairs.push([seen.size, b64decode(seen.root, "本机记录"), "本机曾见过的检查点"]);
      }
      return Promise.all(pairs.map(function (pair) {
        return tiles.consistency(pair[0]).then(function (proof) {
          return verifyConsistency(pair[0], latest.size, pair[1], latest.root, proof);
        }).then(function (ok) {
          if (!ok) {
            throw new Failure(pair[2] === "本页检查点" ? "日志被改写：本页检查点与最新检查点不一致" : "日志被改写：本机曾见过的检查点与最新检查点不一致",
              label + pair[2] + "（第 " + pair[0] + " 条）与最新检查点（第 " + latest.size + " 条）不一致");
          }
        });
      })).then(function () {
        report.ok(label + "：与网站上的最新检查点（" + latest.size + " 条）一致，日志未被改写" +
          (seen ? "；与本机上次见到的（" + seen.size + " 条）也一致" : ""));
        remember(origin, latest);
        return latest;
      });
    });
  }

  // -------------------------------------------------------------- the report
  function Report() {
    this.checks = [];
    this.failures = [];
    this.entries = [];
    this.keys = [];
    this.unsupported = null;
  }
  Report.prototype.ok = function (text) { this.checks.push(["ok", text]); };
  Report.prototype.skip = function (text) { this.checks.push(["skip", text]); };
  Report.prototype.fail = function (failure) {
    this.failures.push(failure);
    this.checks.push(["fail", failure.reason + (failure.detail ? "：" + failure.detail : "")]);
  };
  Report.prototype.state = function () {
    if (this.unsupported) return "unsupported";
    return this.failures.length ? "failed" : "verified";
  };

  /** RFC 9162 batch inclusion: the root from sorted leaf indices, their hashes and the
   * merged proof (docs/formats.md §8); null if the proof has too few or too many hashes. */
  function rootFromBatch(indices, leafHashes, size, proof) {
    var count = proof.length / 32, position = 0, bad = proof.length % 32 !== 0 || !indices.length;
    indices.forEach(function (index, i) {
      if (typeof index !== "number" || index < 0 || index >= size || (i && index <= indices[i - 1])) bad = true;
    });
    if (bad) return Promise.resolve(null);
    // Hashes by id; inner nodes [id, left, right] by height, a height hashed at once.
    var values = [], levels = [];
    function walk(low, high, first, last) {
      var id = values.push(null) - 1, height = 0;
      if (first === last) {
        values[id] = proof.subarray(position * 32, ++position * 32);
      } else if (high - low === 1) {
        values[id] = leafHashes[first];
      } else {
        var middle = low + largestPowerOfTwoBelow(high - low), cut = first;
        while (cut < last && indices[cut] < middle) cut++;
        var left = walk(low, middle, first, cut), right = walk(middle, high, cut, last);
        height = Math.max(left[1], right[1]) + 1;
        (levels[height] || (levels[height] = [])).push([id, left[0], right[0]]);
      }
      return [id, height];
    }
    walk(0, size, 0, indices.length);
    if (position !== count) return Promise.resolve(null);
    return (function level(h) {
      if (h >= levels.length) return Promise.resolve(asBytes(values[0]));
      var t = performance.now(), hashes = levels[h].map(function (node) {
        var message = new Uint8Array(65);
        message[0] = 1;
        message.set(asBytes(values[node[1]]), 1);
        message.set(asBytes(values[node[2]]), 33);
        return crypto.subtle.digest("SHA-256", message);
      });
      spend("merkle", t, hashes.length);
      return Promise.all(hashes).then(function (hashes) {
        levels[h].forEach(function (node, i) { values[node[0]] = hashes[i]; });
        return level(h + 1);
      });
    })(1);
  }

  /** The leaves of a section of a page (inflated and split, not yet trusted). */
  function unpackLeaves(section, what) {
    var t = performance.now();
    return Promise.resolve().then(function () {
      return inflate(b64decode(section.leaves, what + "的条目数据"));
    }).then(function (bytes) {
      spend("inflateWall", t);  // wall time: other work runs meanwhile
      var leaves = splitBundle(bytes, what + "的条目数据");
      if (leaves.length !== section.entries.length) {
        throw new Failure(what + "嵌入的条目数据已损坏", "条目数 " + leaves.length + "，列表 " + section.entries.length);
      }
      return leaves;
    });
  }

  /** The section's batch inclusion proof against its anchor. */
  function proveLeaves(section, anchor, leaves, what) {
    var t = performance.now();
    var hashes = leaves.map(function (leaf) {
      var message = new Uint8Array(leaf.length + 1);
      message.set(leaf, 1);
      return crypto.subtle.digest("SHA-256", message);
    });
    spend("leafHash", t, leaves.length);
    return Promise.all(hashes).then(function (hashes) {
      return rootFromBatch(section.entries, hashes, anchor.size, b64decode(section.proof, what + "的包含证明"));
    }).then(function (root) {
      if (!root || !equal(root, anchor.root)) {
        throw new Failure(what + "的条目不在日志中", "包含证明与检查点（" + anchor.size + " 条）不符");
      }
      return leaves;
    });
  }

  /** A promise started early, its rejection judged later (not "unhandled"). */
  function early(promise) {
    promise.catch(function () {});
    return promise;
  }

  /** Registry entry types that register an entry-signing key (docs/formats.md §6). */
  var KEY_ENTRY_TYPES = { FirmKeyAdded: true, IntakeKeyAdded: true };

  /** Who a registered key speaks for: a firm, or the owners' challenge intake. */
  function describeKey(key, payload) {
    if (payload.type === "IntakeKeyAdded") {
      key.firm = null;
      key.owner = "业主质疑受理密钥（代业主签署质疑，运营方：" + payload.body.operator + "）";
    } else {
      key.firm = payload.body.firm;
      key.owner = "企业 " + payload.body.firm + " 的签名密钥";
    }
  }

  /** The keys the association registered, proved in the registry log (or null). */
  function checkRegistry(registry) {
    if (!registry || !registry.entries || !registry.entries.length) return Promise.resolve(null);
    var leaves = early(unpackLeaves(registry, "登记册"));
    return Promise.all([parsePolicy(registry.policy), parseVkey(registry.association)]).then(function (x) {
      var policy = x[0], association = x[1];
      return verifyCheckpoint(registry.checkpoint, policy, registry.log, "登记册检查点").then(function (anchor) {
        return leaves.then(function (list) {
          return proveLeaves(registry, anchor, list, "登记册");
        }).then(function (list) {
          return Promise.all(list.map(function (leaf, i) {
            var index = registry.entries[i], label = "登记册第 " + index + " 条";
            var opened = openLeaf(leaf, label), p = opened.payload;
            if (p.log !== registry.log || !KEY_ENTRY_TYPES[p.type] || p.key !== association.ref || !p.body) {
              throw new Failure(label + "不是协会登记的签名密钥");
            }
            return verifyEntrySignature(association, opened).then(function (ok) {
              if (!ok) throw new Failure(label + "的协会签名无效");
              return parseVkey(p.body.vkey);
            }).then(function (key) {
              describeKey(key, p);
              key.registryIndex = index;
              return key;
            });
          }));
        }).then(function (keys) {
          return { policy: policy, anchor: anchor, association: association, keys: keys };
        });
      });
    });
  }

  function reportRegistry(report, registry, checked, online) {
    if (!checked) return Promise.resolve();
    report.ok("登记册检查点（" + checked.anchor.size + " 条）由登记册日志密钥签名" +
      (checked.anchor.cosigned.length ? "，见证人联署：" + checked.anchor.cosigned.join("、") : ""));
    report.keys = checked.keys.slice();
    report.ok("签名密钥由协会（" + checked.association.ref + "）登记在登记册中（第 " +
      registry.entries.join("、") + " 条），登记册的包含证明有效");
    return checkHistory(report, "登记册", registry.log, checked.policy, checked.anchor, registry.log_url, online);
  }

  /** Verify a statement page's data. `displayed`: indices the page links; `started`:
   * performance.now() at the caller's start. Leaves, registry and signatures start at
   * once; results are judged in a fixed order, so timing never changes the verdict. */
  function verifyStatement(data, displayed, online, started) {
    var report = new Report(), leaves, registry, signatures, policy, anchor;
    started = started === undefined ? performance.now() : started;
    return Promise.resolve().then(function () {
      if (!window.crypto || !crypto.subtle) {
        throw new Unsupported("无法验证：此浏览器不提供 WebCrypto（请用 https 网址或本地文件打开）");
      }
      if (!data || data.v !== 1) throw new Failure("本页没有可核验的数据");
      var some = data.entries && data.entries.length;
      leaves = early(some ? unpackLeaves(data, "本页") : Promise.resolve([]));
      registry = early(some ? checkRegistry(data.registry) : Promise.resolve(null));
      signatures = early(Promise.all([leaves, registry]).then(function (x) {
        return checkSignatures(data, x[1] ? x[1].keys : [], x[0]);
      }));
      return parsePolicy(data.policy);
    }).then(function (p) {
      policy = report.policy = p;
      var logKey = report.logKey = policy.logs.filter(function (k) { return k.name === data.log; })[0];
      if (!logKey) throw new Failure("信任策略中没有本日志的密钥", data.log);
      return Promise.all([importKey(logKey), fingerprint(logKey)]);
    }).then(function (x) {
      report.fingerprint = x[1];
      if (!data.entries.length) throw new Failure("本页没有条目");
      return verifyCheckpoint(data.checkpoint, policy, data.log, "本页检查点");
    }).then(function (a) {
      anchor = report.anchor = a;
      report.ok("本页检查点（日志前 " + anchor.size + " 条）由日志密钥 " + report.logKey.ref + " 签名" +
        (anchor.cosigned.length ? "；见证人联署：" + anchor.cosigned.join("、") : "") +
        (policy.quorum !== "none" ? "（满足信任策略的联署要求）" : ""));
      var proved = early(leaves.then(function (list) { return proveLeaves(data, anchor, list, "本页"); }));
      return registry.then(function (checked) {
        return reportRegistry(report, data.registry, checked, online);
      }).then(function () { return proved; });
    }).then(function () {
      report.ok("本页 " + data.entries.length + " 条记录都在日志中（包含证明有效）");
      return signatures;
    }).then(function (checked) {
      reportEntries(report, data, checked, displayed);
      return checkHistory(report, "本日志", data.log, policy, anchor, data.log_url, online);
    }).catch(function (e) {
      if (e instanceof Unsupported) report.unsupported = e.reason;
      else if (e instanceof Failure) report.fail(e);
      else report.fail(new Failure("核验出错", String(e && e.message || e)));
    }).then(function () {
      report.ms = performance.now() - started;
      return report;
    });
  }

  /** Each entry's firm signature, with the keys the registry registered. */
  function checkSignatures(data, keys, leaves) {
    var byRef = {}, used = [], checked = [], problems = [], t = performance.now();
    keys.forEach(function (key) { byRef[key.ref] = key; });
    // Open every leaf, hash every payload, verify every signature: a loop each.
    data.entries.forEach(function (index, i) {
      var label = "第 " + index + " 条";
      try {
        var opened = openLeaf(leaves[i], label), p = opened.payload, key = byRef[p.key];
        if (p.log !== data.log) throw new Failure(label + "不属于本日志", String(p.log));
        if (!key) throw new Failure(label + "的签名密钥未在登记册中找到", String(p.key));
        if (used.indexOf(key) < 0) used.push(key);
        checked.push({ index: index, label: label, payload: p, acceptedAt: opened.acceptedAt, key: key, opened: opened });
      } catch (e) {
        if (!(e instanceof Failure)) throw e;
        problems.push([index, e]);
      }
    });
    spend("openLeaf", t, data.entries.length);
    t = performance.now();
    var digests = checked.map(function (c) { return crypto.subtle.digest("SHA-256", c.opened.payloadBytes); });
    spend("payloadHash", t, checked.length);
    return Promise.all([Promise.all(digests), Promise.all(used.map(importKey))]).then(function (x) {
      t = performance.now();
      var results = checked.map(function (c, i) {  // prefix ‖ SHA-256(payload), §3
        return c.opened.sig.length === 64 && crypto.subtle.verify(ED25519, x[1][used.indexOf(c.key)],
          c.opened.sig, concat(ENTRY_PREFIX_BYTES, new Uint8Array(x[0][i])));
      });
      spend("ed25519", t, checked.length);
      return Promise.all(results);
    }).then(function (results) {
      checked.forEach(function (c, i) {
        if (!results[i]) problems.push([c.index, new Failure(c.label + "的企业签名无效", "密钥 " + c.key.ref)]);
      });
      problems.sort(function (a, b) { return a[0] - b[0]; });
      return { entries: checked.filter(function (c, i) { return results[i]; }), problems: problems };
    });
  }

  function reportEntries(report, data, checked, displayed) {
    checked.problems.forEach(function (x) { report.fail(x[1]); });
    var embedded = {};
    data.entries.forEach(function (index) { embedded[index] = true; });
    displayed.forEach(function (index) {
      if (!embedded[index]) report.fail(new Failure("页面显示的第 " + index + " 条没有附验证数据"));
    });
    report.entries = checked.entries;
    if (!checked.problems.length) report.ok("本页 " + data.entries.length + " 条记录的企业签名均有效");
  }

  // --------------------------------------------------------------- rendering
  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) node.className = className;
    if (text !== undefined) node.textContent = text;
    return node;
  }
  var TYPE_NAMES = null;
  function amountOf(body) {
    if (!body || typeof body !== "object") return "";
    for (var k in body) {
      if (/_fen$/.test(k) && typeof body[k] === "number") {
        var v = body[k], sign = v < 0 ? "−" : "";
        v = Math.abs(v);
        var whole = Math.floor(v / 100).toString().replace(/\B(?=(\d{3})+(?!\d))/g, ",");
        return sign + "¥" + whole + "." + ("0" + (v % 100)).slice(-2);
      }
    }
    return "";
  }
  function render(target, report, what) {
    target.textContent = "";
    var state = report.state();
    target.setAttribute("data-state", state);
    target.setAttribute("data-ms", report.ms ? report.ms.toFixed(1) : "");
    var verdict = el("p", "verdict " + state);
    if (state === "unsupported") {
      verdict.appendChild(el("strong", null, report.unsupported));
    } else if (state === "failed") {
      verdict.appendChild(el("strong", null, "验证失败"));
      verdict.appendChild(document.createTextNode("：" + report.failures[0].reason +
        (report.failures.length > 1 ? "（另有 " + (report.failures.length - 1) + " 项问题）" : "")));
    } else {
      verdict.appendChild(el("strong", null, "已验证"));
      verdict.appendChild(document.createTextNode("：" + what + "由企业签名，并记录在签名日志中。"));
    }
    target.appendChild(verdict);
    // The registry's offline note repeats the log's: it stays in the details.
    var skipped = report.checks.filter(function (c) { return c[0] === "skip" && c[1].indexOf("登记册") !== 0; });
    skipped.forEach(function (c) { target.appendChild(el("p", "verify-note", c[1])); });
    if (report.fingerprint) {
      var fp = el("p", "verify-key");
      fp.appendChild(document.createTextNode("日志密钥指纹（请与公开栏上印的核对）："));
      fp.appendChild(el("code", null, report.fingerprint));
      target.appendChild(fp);
    }
    var details = el("details");
    details.appendChild(el("summary", null, "核验详情"));
    var list = el("ul", "checks");
    report.checks.forEach(function (c) {
      list.appendChild(el("li", c[0], (c[0] === "ok" ? "✓ " : c[0] === "fail" ? "✗ " : "… ") + c[1]));
    });
    details.appendChild(list);
    if (report.logKey) {
      var keyLine = el("p");
      keyLine.appendChild(document.createTextNode("日志密钥："));
      keyLine.appendChild(el("code", null, report.logKey.vkey));
      details.appendChild(keyLine);
    }
    report.keys.forEach(function (key) {
      var line = el("p");
      line.appendChild(document.createTextNode(key.owner + "（登记册第 " + key.registryIndex + " 条）："));
      line.appendChild(el("code", null, key.vkey));
      details.appendChild(line);
    });
    if (report.entries.length) {
      var table = el("table", "list verified-entries");
      var head = el("tr");
      ["条目", "类型", "编号", "金额", "日志接收时间"].forEach(function (h) { head.appendChild(el("th", null, h)); });
      var thead = el("thead"); thead.appendChild(head); table.appendChild(thead);
      var tbody = el("tbody");
      report.entries.forEach(function (e) {
        var row = el("tr");
        [
          "#" + e.index, String(e.payload.type), String(e.payload.id),
          amountOf(e.payload.body), String(e.acceptedAt)
        ].forEach(function (v) { row.appendChild(el("td", null, v)); });
        tbody.appendChild(row);
      });
      table.appendChild(tbody);
      details.appendChild(el("p", null, "以下内容直接取自已核验的签名数据，可与页面上的表格对照："));
      details.appendChild(table);
    }
    if (report.ms) details.appendChild(el("p", "verify-time", "核验用时 " + report.ms.toFixed(1) + " 毫秒"));
    target.appendChild(details);
  }

  function displayedIndices(root) {
    var found = [];
    Array.prototype.forEach.call(root.querySelectorAll("a[href]"), function (a) {
      var m = /(?:^|\/)proofs\/(\d+)\.tlog-proof$/.exec(a.getAttribute("href"));
      if (m) found.push(Number(m[1]));
    });
    return found;
  }
  function readJson(node) {
    try { return JSON.parse(node.textContent); } catch (e) { return null; }
  }

  // -------------------------------------------------------------------- start
  function start() {
    var target = document.getElementById("shuangshai-verdict");
    if (!target) return;
    if (document.getElementById("shuangshai-verify-page")) return;  // verify-page.js
    var node = document.getElementById("shuangshai-entries");
    if (!node) return;
    target.setAttribute("data-state", "running");
    // After the first paint: the statement shows at once, and its layout is not
    // inside the verification (a hidden page paints nothing: at once).
    if (document.hidden || !window.requestAnimationFrame) verifyPage(target, node);
    else requestAnimationFrame(function () { setTimeout(verifyPage, 0, target, node); });
  }
  function verifyPage(target, node) {
    var started = performance.now();  // reading the data and the links counts too
    costs = {};
    var data = readJson(node), displayed = displayedIndices(node.closest("article") || document);
    spend("readJson+links", started);
    verifyStatement(data, displayed, isOnline(), started).then(function (report) {
      var phases = costs;
      render(target, report, "本页的 " + (data && data.entries ? data.entries.length : 0) + " 条记录");
      window.shuangshaiVerification = { state: report.state(), reasons: report.failures.map(function (f) { return f.reason; }),
        ms: report.ms, phases: phases };
    });
  }
  window.shuangshaiCore = {
    Failure: Failure, Unsupported: Unsupported, b64decode: b64decode, hex: hex, equal: equal,
    hashLeaf: hashLeaf, hashChildren: hashChildren, largestPowerOfTwoBelow: largestPowerOfTwoBelow,
    half: half, odd: odd, parseVkey: parseVkey, fingerprint: fingerprint, parseNote: parseNote,
    parseCheckpoint: parseCheckpoint, parsePolicy: parsePolicy, verifyCheckpoint: verifyCheckpoint,
    TileReader: TileReader, splitBundle: splitBundle, fetchText: fetchText, openLeaf: openLeaf,
    verifyEntrySignature: verifyEntrySignature, checkHistory: checkHistory, Report: Report,
    verifyStatement: verifyStatement, render: render, displayedIndices: displayedIndices,
    readJson: readJson, el: el, isOnline: isOnline, TILE_WIDTH: TILE_WIDTH,
    tileIndexPath: tileIndexPath, KEY_ENTRY_TYPES: KEY_ENTRY_TYPES, describeKey: describeKey,
    rootFromBatch: rootFromBatch
  };
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
