#!/usr/bin/env python3
"""Prepares the data a bench run needs, through the API: a few customers when the database
has none, and the request paths each operation rotates over (customer ids, real phone
numbers, search words taken from the data). Writes one path per line into OUTDIR/*.paths
and prints shell assignments for bench/run to source.

usage: bench/fixtures.py BASE_URL TOKEN DIVISION_NAME OUTDIR
"""

import json
import re
import shlex
import sys
import urllib.error
import urllib.parse
import urllib.request

SEARCH_2 = "科技"
SEARCH_EN = "technology"
# Customers created on an empty database: enough for every operation to find something.
SEED_CITIES = ["上海", "北京", "深圳", "杭州", "南京", "成都"]
SEED_BRANDS = ["华信", "恒瑞", "嘉博", "宏盛"]
SEED_TRADES = ["科技", "贸易", "电子", "物流"]
SEED_ENGLISH = ["Bright Technology Co., Ltd.", "Harbour Technology Trading Ltd.", "Summit Technology Group"]


class Api:
    def __init__(self, base, token):
        self.base = base
        self.token = token

    def call(self, method, path, body=None):
        data = json.dumps(body).encode() if body is not None else None
        req = urllib.request.Request(self.base + path, data=data, method=method)
        req.add_header("Authorization", "Bearer " + self.token)
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=120) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as e:
            sys.exit(f"fixtures: {method} {path} answered {e.code}: {e.read().decode(errors='replace')[:500]}")

    def get(self, path, **params):
        return self.call("GET", path + "?" + urllib.parse.urlencode(params) if params else path)

    def every(self, path, **params):
        params.setdefault("limit", 500)
        while True:
            page = self.get(path, **params)
            yield from page["items"]
            if not page.get("next_cursor"):
                return
            params["cursor"] = page["next_cursor"]


def digits(phone):
    return re.sub(r"\D", "", phone or "")


def leading_cjk(name):
    m = re.match(r"[\u4e00-\u9fff]+", name)
    return m.group(0) if m else ""


def hits(api, q):
    found = api.get("/api/v1/search", q=q, limit=50)
    return len(found.get("customers", [])) + len(found.get("contacts", []))


def main():
    if len(sys.argv) != 5:
        sys.exit(__doc__.strip().splitlines()[-1])
    base, token, division, outdir = sys.argv[1:]
    api = Api(base, token)

    division_id = next((d["id"] for d in api.every("/api/v1/divisions") if d["name"] == division), None)
    if division_id is None:
        sys.exit(f"fixtures: no division named {division}")

    regions = list(api.every("/api/v1/dictionary-entries", kind="region"))
    cities = [r["id"] for r in regions if r.get("parent_id")]
    created = 0
    if not api.get("/api/v1/customers", limit=1)["items"]:
        n = 0
        for city in SEED_CITIES:
            for brand in SEED_BRANDS:
                trade = SEED_TRADES[n % len(SEED_TRADES)]
                api.call("POST", "/api/v1/customers", {
                    "name": f"{city}{brand}{trade}有限公司",
                    "division_id": division_id,
                    "status": ["active", "active", "prospect", "lost"][n % 4],
                    "region_id": cities[n * 7 % len(cities)] if cities else None,
                    "phone": f"021-{61000000 + n:08d}",
                })
                n += 1
        created += n
    if hits(api, SEARCH_EN) == 0:
        for i, name in enumerate(SEED_ENGLISH):
            api.call("POST", "/api/v1/customers?confirm_duplicate=true", {
                "name": name, "division_id": division_id, "status": "active",
                "phone": f"0755-{62000000 + i:08d}",
            })
            created += 1

    # Two differently ordered pages, so the rotated ids are not neighbours on disk. Neither
    # holds the customers earlier runs created ("Bench …", the newest, first by name), so a
    # reused database is measured on the same kind of customers each time.
    sample = {}
    for sort in ("-name", "created_at"):
        for c in api.get("/api/v1/customers", limit=500, sort=sort)["items"]:
            if not c["name"].startswith("Bench "):
                sample[c["id"]] = c
    customers = list(sample.values())
    contacts = api.get("/api/v1/contacts", limit=500)["items"]

    phones = [digits(c.get("phone")) for c in customers] + [digits(c.get("mobile") or c.get("phone")) for c in contacts]
    phones = list(dict.fromkeys(p for p in phones if len(p) >= 7))
    words4 = list(dict.fromkeys(leading_cjk(c["name"])[:4] for c in customers if len(leading_cjk(c["name"])) >= 4))
    words4 = words4[:50] or ["有限公司"]
    word2 = SEARCH_2 if hits(api, SEARCH_2) else (leading_cjk(customers[0]["name"])[:2] or SEARCH_2)

    # The province of a sample customer's city: the region filter includes the cities under it.
    region_filter = ""
    with_region = next((c for c in customers if c.get("region_id")), None)
    if with_region:
        region = api.get(f"/api/v1/dictionary-entries/{with_region['region_id']}")
        region_filter = f"region_id={region.get('parent_id') or region['id']}"

    q = urllib.parse.quote
    files = {
        "overview": [f"/api/v1/customers/{c['id']}/overview" for c in customers],
        "search-zh2": [f"/api/v1/search?q={q(word2)}"],
        "search-zh4": [f"/api/v1/search?q={q(w)}" for w in words4],
        "search-en": [f"/api/v1/search?q={q(SEARCH_EN)}"],
        "search-phone": [f"/api/v1/search?q={p}" for p in phones[:200]],
        "lookup": [f"/api/v1/lookup/phone/{p}" for p in phones[:200]],
    }
    for name, paths in files.items():
        if not paths:
            sys.exit(f"fixtures: no data for {name}")
        with open(f"{outdir}/{name}.paths", "w", encoding="utf-8") as f:
            f.write("\n".join(paths) + "\n")

    terms = (f"search terms: {word2} ({hits(api, word2)} hits of at most 50 per type), "
             f"{len(words4)} 4-character words such as {words4[0]} ({hits(api, words4[0])}), "
             f"{SEARCH_EN} ({hits(api, SEARCH_EN)}), {min(len(phones), 200)} phone numbers such as {phones[0]} "
             f"({hits(api, phones[0])}); 360 over {len(customers)} customers")
    out = {
        "DIVISION_ID": division_id,
        "REGION_FILTER": region_filter or "status=prospect",
        "FIXTURES_CREATED": str(created),
        "SEARCH_TERMS": terms,
    }
    for key, value in out.items():
        print(f"{key}={shlex.quote(value)}")


if __name__ == "__main__":
    main()
