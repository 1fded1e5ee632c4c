/* shuangshai verify-page.js — the root verify page (verify.html), on top of verify.js.
 *
 * Drop a downloaded statement page (checked exactly as the page checks itself, from
 * its embedded data) or a .tlog-proof file, or paste an entry's leaf hash. Proof
 * files and leaf hashes are checked from the published files alone, over http(s)
 * (docs/formats.md §7, "Verifying an entry from the published files alone"): the
 * log's policy.txt and checkpoint, the entry bundle (every leaf checked against the
 * level-0 tile), the proof file, a consistency proof to the latest checkpoint from
 * the tiles, and the firm's signature with the key found in the registry log.
 */
(function () {
  "use strict";
  var C = window.shuangshaiCore;
  if (!C) return;
  var Failure = C.Failure, Unsupported = C.Unsupported, b64decode = C.b64decode, hex = C.hex,
      equal = C.equal, hashLeaf = C.hashLeaf, hashChildren = C.hashChildren,
      largestPowerOfTwoBelow = C.largestPowerOfTwoBelow, half = C.half, odd = C.odd,
      parseVkey = C.parseVkey, fingerprint = C.fingerprint, parseNote = C.parseNote,
      parseCheckpoint = C.parseCheckpoint, parsePolicy = C.parsePolicy,
      verifyCheckpoint = C.verifyCheckpoint, TileReader = C.TileReader, splitBundle = C.splitBundle,
      fetchText = C.fetchText, openLeaf = C.openLeaf, verifyEntrySignature = C.verifyEntrySignature,
      checkHistory = C.checkHistory, Report = C.Report, verifyStatement = C.verifyStatement,
      render = C.render, displayedIndices = C.displayedIndices, readJson = C.readJson, el = C.el,
      isOnline = C.isOnline, TILE_WIDTH = C.TILE_WIDTH, tileIndexPath = C.tileIndexPath,
      KEY_ENTRY_TYPES = C.KEY_ENTRY_TYPES, describeKey = C.describeKey;
  var fetchBytes = function (url) {
    return fetch(url, { cache: "no-store" }).then(function (response) {
      if (!response.ok) throw new Failure("无法读取发布的文件", url + "（" + response.status + "）");
      return response.arrayBuffer();
    }, function () { throw new Failure("无法读取发布的文件", url); })
      .then(function (b) { return new Uint8Array(b); });
  };

  /** RFC 9162 §2.1.3.2: the root an inclusion path gives, or null if malformed. */
  function rootFromInclusion(index, size, leafHash, path) {
    if (index >= size) return Promise.resolve(null);
    var fn = index, sn = size - 1, r = Promise.resolve(leafHash), bad = false;
    path.forEach(function (p) {
      if (bad) return;
      if (sn === 0) { bad = true; return; }
      if (odd(fn) || fn === sn) {
        r = r.then(function (v) { return hashChildren(p, v); });
        if (!odd(fn)) while (!odd(fn) && fn !== 0) { fn = half(fn); sn = half(sn); }
      } else {
        r = r.then(function (v) { return hashChildren(v, p); });
      }
      fn = half(fn); sn = half(sn);
    });
    if (bad || sn !== 0) return Promise.resolve(null);
    return r;
  }
  /** RFC 9162 §2.1.3.1 inclusion path of leaf `m` in this tree. */
  TileReader.prototype.inclusion = function (m) {
    var self = this, nodes = [];
    (function path(m, start, end) {
      var n = end - start;
      if (n <= 1) return;
      var k = largestPowerOfTwoBelow(n);
      if (m < k) { path(m, start, start + k); nodes.push([start + k, end]); }
      else { path(m - k, start + k, end); nodes.push([start, start + k]); }
    })(m, 0, this.size);
    return Promise.all(nodes.map(function (r) { return self.range(r[0], r[1]); }));
  };
  /** Entry bundle `n` at this size, each leaf checked against the level-0 tile. */
  TileReader.prototype.bundle = function (n) {
    var width = Math.min(TILE_WIDTH, this.size - n * TILE_WIDTH);
    var path = "tile/entries/" + tileIndexPath(n) + (width < TILE_WIDTH ? ".p/" + width : "");
    var url = this.base + path;
    return Promise.all([fetchBytes(url), this.tile(0, n)]).then(function (x) {
      var leaves = splitBundle(x[0], url);
      if (leaves.length !== width) throw new Failure("发布的条目包与日志树不符", path + "：条目数不对");
      return Promise.all(leaves.map(hashLeaf)).then(function (hashes) {
        hashes.forEach(function (h, i) {
          if (!equal(h, x[1].slice(i * 32, i * 32 + 32))) {
            throw new Failure("发布的条目包与日志树不符", path + " 中第 " + (n * TILE_WIDTH + i) + " 条");
          }
        });
        return leaves;
      });
    });
  };
  // -------------------------------------------------------- the verify page
  function siteData() {
    var node = document.getElementById("shuangshai-site");
    return node ? readJson(node) : null;
  }
  function logUrl(site, origin) {
    var found = (site.logs || []).filter(function (l) { return l.log === origin; })[0];
    return found ? found.log_url : null;
  }
  function parseProof(text) {
    var lines = text.split("\n");
    if (lines[0] !== "c2sp.org/tlog-proof@v1") throw new Failure("证明文件格式错误", "第一行不是 c2sp.org/tlog-proof@v1");
    var m = /^index (0|[1-9][0-9]*)$/.exec(lines[1] || "");
    if (!m) throw new Failure("证明文件格式错误", "没有 index 行");
    var hashes = [], i = 2;
    for (; i < lines.length && lines[i] !== ""; i++) {
      var h = b64decode(lines[i], "证明哈希");
      if (h.length !== 32) throw new Failure("证明文件格式错误", "证明哈希不是 32 字节");
      hashes.push(h);
    }
    if (i >= lines.length) throw new Failure("证明文件格式错误", "没有检查点");
    return { index: Number(m[1]), hashes: hashes, checkpoint: lines.slice(i + 1).join("\n") };
  }

  /** Look a key reference up in the published registry log (bundles + tiles). */
  function registryKey(report, site, ref) {
    var base = logUrl(site, site.registry);
    return Promise.all([fetchText(base + "policy.txt").then(parsePolicy), parseVkey(site.association)]).then(function (x) {
      var policy = x[0], association = x[1];
      return fetchText(base + "checkpoint").then(function (text) {
        return verifyCheckpoint(text, policy, site.registry, "登记册最新检查点");
      }).then(function (latest) {
        var tiles = new TileReader(base, latest.size), bundles = [];
        for (var n = 0; n * TILE_WIDTH < latest.size; n++) bundles.push(tiles.bundle(n));
        return Promise.all(bundles).then(function (all) {
          var leaves = [].concat.apply([], all), found = null;
          leaves.forEach(function (leaf, index) {
            var opened = openLeaf(leaf, "登记册第 " + index + " 条");
            var body = opened.payload.body || {};
            if (!found && KEY_ENTRY_TYPES[opened.payload.type] && typeof body.vkey === "string" &&
                body.vkey.indexOf(ref + "+") === 0) found = { index: index, opened: opened, leaf: leaf };
          });
          if (!found) throw new Failure("签名密钥未在登记册中找到", ref);
          var p = found.opened.payload;
          if (p.log !== site.registry || p.key !== association.ref) throw new Failure("登记册第 " + found.index + " 条不是协会登记的签名密钥");
          return Promise.all([verifyEntrySignature(association, found.opened), hashLeaf(found.leaf), tiles.inclusion(found.index)])
            .then(function (y) {
              if (!y[0]) throw new Failure("登记册第 " + found.index + " 条的协会签名无效");
              return rootFromInclusion(found.index, latest.size, y[1], y[2]);
            }).then(function (root) {
              if (!root || !equal(root, latest.root)) throw new Failure("登记册第 " + found.index + " 条不在登记册日志中");
              return parseVkey(p.body.vkey);
            }).then(function (key) {
              describeKey(key, p);
              key.registryIndex = found.index;
              report.keys.push(key);
              report.ok("签名密钥 " + key.ref + " 由协会登记在登记册第 " + found.index + " 条（登记册 " + latest.size + " 条）");
              return checkHistory(report, "登记册", site.registry, policy, latest, base, true).then(function () { return key; });
            });
        });
      });
    });
  }

  /** Verify entry `index` of log `origin` from the published files alone (formats §7). */
  function verifyPublishedEntry(report, site, origin, index, proofText, wantedHash) {
    var base = logUrl(site, origin);
    if (!base) return Promise.reject(new Failure("本网站没有这个日志", origin));
    return fetchText(base + "policy.txt").then(parsePolicy).then(function (policy) {
      report.policy = policy;
      var logKey = policy.logs.filter(function (k) { return k.name === origin; })[0];
      if (!logKey) throw new Failure("信任策略中没有本日志的密钥", origin);
      report.logKey = logKey;
      return fingerprint(logKey).then(function (fp) {
        report.fingerprint = fp;
        return proofText === null ? fetchText(base + "proofs/" + index + ".tlog-proof") : proofText;
      }).then(function (text) {
        var proof = parseProof(text);
        if (proof.index !== index) throw new Failure("证明文件与条目不符", "证明的是第 " + proof.index + " 条");
        // The proof carries the checkpoint as the log signed it; the archived copy
        // (checkpoints/<size>) also carries the witnesses' cosignatures.
        var signed = parseNote(proof.checkpoint, "证明中的检查点");
        var size = parseCheckpoint(signed.body, "证明中的检查点").size;
        return fetchText(base + "checkpoints/" + size).then(function (archived) {
          if (parseNote(archived, "存档检查点").body !== signed.body) {
            throw new Failure("证明中的检查点与日志存档不符", "checkpoints/" + size);
          }
          return verifyCheckpoint(archived, policy, origin, "证明中的检查点");
        }).then(function (checkpoint) {
          report.ok("证明中的检查点（" + checkpoint.size + " 条）由日志密钥 " + logKey.ref + " 签名");
          return fetchText(base + "checkpoint").then(function (t) {
            return verifyCheckpoint(t, policy, origin, "最新检查点");
          }).then(function (latest) {
            if (index >= latest.size) throw new Failure("第 " + index + " 条不在日志中", "日志只有 " + latest.size + " 条");
            var tiles = new TileReader(base, latest.size);
            return tiles.bundle(Math.floor(index / TILE_WIDTH)).then(function (leaves) {
              var leaf = leaves[index % TILE_WIDTH];
              return hashLeaf(leaf).then(function (h) {
                if (wantedHash && hex(h) !== wantedHash) throw new Failure("第 " + index + " 条的数据与所查哈希不符");
                return rootFromInclusion(index, checkpoint.size, h, proof.hashes);
              }).then(function (root) {
                if (!root || !equal(root, checkpoint.root)) throw new Failure("第 " + index + " 条不在日志中", "证明文件的包含证明无效");
                report.ok("第 " + index + " 条在日志中（包含证明有效）");
                return checkHistory(report, "本日志", origin, policy, checkpoint, base, true);
              }).then(function () {
                var opened = openLeaf(leaf, "第 " + index + " 条");
                if (opened.payload.log !== origin) throw new Failure("第 " + index + " 条不属于本日志");
                return registryKey(report, site, String(opened.payload.key)).then(function (key) {
                  return verifyEntrySignature(key, opened);
                }).then(function (ok) {
                  if (!ok) throw new Failure("第 " + index + " 条的企业签名无效");
                  report.ok("第 " + index + " 条的企业签名有效");
                  report.entries.push({ index: index, payload: opened.payload, acceptedAt: opened.acceptedAt });
                });
              });
            });
          });
        });
      });
    });
  }

  function findLeafHash(site, wanted) {
    var target = wanted.toLowerCase();
    return Promise.all((site.logs || []).map(function (log) {
      return fetchText(log.log_url + "checkpoint").then(function (text) {
        var note = parseNote(text, "检查点");
        var size = parseCheckpoint(note.body, "检查点").size;
        var tiles = new TileReader(log.log_url, size), tileLoads = [];
        for (var n = 0; n * TILE_WIDTH < size; n++) tileLoads.push(tiles.tile(0, n));
        return Promise.all(tileLoads).then(function (all) {
          for (var t = 0; t < all.length; t++) {
            for (var i = 0; i * 32 < all[t].length; i++) {
              if (hex(all[t].slice(i * 32, i * 32 + 32)) === target) return { log: log.log, index: t * TILE_WIDTH + i };
            }
          }
          return null;
        });
      }).catch(function () { return null; });
    })).then(function (found) {
      return found.filter(Boolean)[0] || null;
    });
  }

  function runTask(target, task, what) {
    var report = new Report(), started = performance.now();
    target.setAttribute("data-state", "running");
    target.textContent = "";
    target.appendChild(el("p", "verdict", "正在核验…"));
    return Promise.resolve().then(function () {
      if (!window.crypto || !crypto.subtle) {
        throw new Unsupported("无法验证：此浏览器不提供 WebCrypto（请用 https 网址或本地文件打开）");
      }
      return task(report);
    }).catch(function (e) {
      if (e instanceof Unsupported) report.unsupported = e.reason;
      else if (e instanceof Failure) report.fail(e);
      else report.fail(new Failure("核验出错", String(e && e.message || e)));
    }).then(function () {
      report.ms = performance.now() - started;
      render(target, report, what);
      window.shuangshaiVerification = { state: report.state(), reasons: report.failures.map(function (f) { return f.reason; }), ms: report.ms };
      return report;
    });
  }

  function setUpVerifyPage(target) {
    var site = siteData() || { logs: [] };
    var online = isOnline();
    function needOnline() {
      if (!online) throw new Failure("离线无法核验", "条目哈希和证明文件要从网站读取日志数据：请通过网址（http/https）打开本页；下载的公示页可离线核验");
    }
    function handleText(text, name) {
      if (text.indexOf('id="shuangshai-entries"') >= 0) {
        var doc = new DOMParser().parseFromString(text, "text/html");
        var node = doc.getElementById("shuangshai-entries");
        var data = node ? readJson(node) : null;
        var base = data && data.log ? logUrl(site, data.log) : null;
        if (base) {
          data.log_url = base;
          if (data.registry) data.registry.log_url = logUrl(site, data.registry.log) || data.registry.log_url;
        }
        var article = doc.querySelector("article") || doc;
        return runTask(target, function (report) {
          // Online only when this site publishes the page's log.
          return verifyStatement(data, displayedIndices(article), online && !!base).then(function (inner) {
            Object.keys(inner).forEach(function (k) { report[k] = inner[k]; });
          });
        }, "文件 " + name + " 中的公示");
      }
      if (text.indexOf("c2sp.org/tlog-proof@v1\n") === 0) {
        return runTask(target, function (report) {
          needOnline();
          var proof = parseProof(text);
          var origin = proof.checkpoint.split("\n")[0];
          return verifyPublishedEntry(report, site, origin, proof.index, text, null);
        }, "证明文件 " + name + " 对应的条目");
      }
      return runTask(target, function () {
        throw new Failure("无法识别的文件", name + " 既不是公示页，也不是 .tlog-proof 证明文件");
      }, "");
    }
    function handleFile(file) {
      if (!file) return;
      file.text().then(function (text) { handleText(text, file.name); });
    }
    var input = document.getElementById("verify-file");
    if (input) input.addEventListener("change", function () { handleFile(input.files[0]); });
    var drop = document.getElementById("verify-drop");
    if (drop) {
      drop.addEventListener("dragover", function (e) { e.preventDefault(); drop.classList.add("over"); });
      drop.addEventListener("dragleave", function () { drop.classList.remove("over"); });
      drop.addEventListener("drop", function (e) {
        e.preventDefault();
        drop.classList.remove("over");
        handleFile(e.dataTransfer.files[0]);
      });
    }
    var form = document.getElementById("verify-hash-form");
    if (form) {
      form.addEventListener("submit", function (e) {
        e.preventDefault();
        var wanted = document.getElementById("verify-hash").value.trim().toLowerCase();
        runTask(target, function (report) {
          if (!/^[0-9a-f]{64}$/.test(wanted)) throw new Failure("条目哈希格式错误", "应为 64 位十六进制");
          needOnline();
          return findLeafHash(site, wanted).then(function (found) {
            if (!found) throw new Failure("在本网站的日志中找不到这个条目哈希", wanted);
            report.ok("在日志 " + found.log + " 中找到：第 " + found.index + " 条");
            return verifyPublishedEntry(report, site, found.log, found.index, null, wanted);
          });
        }, "该条目");
      });
    }
    window.shuangshaiVerifyText = handleText;  // for scripted use (and the tests)
  }

  function start() {
    var target = document.getElementById("shuangshai-verdict");
    if (target && document.getElementById("shuangshai-verify-page")) setUpVerifyPage(target);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
