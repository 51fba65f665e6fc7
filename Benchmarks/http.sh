# Sourced by the benchmarks: an API token, and a signed-in browser's Cookie header, of a demo
# account (password xuequ-demo) on the server at $BASE.
token() { curl -s -X POST "$BASE/api/v1/session" -H 'content-type: application/json' -d "{\"username\":\"$1\",\"password\":\"xuequ-demo\"}" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])'; }
cookie() {
  local jar csrf
  jar=$(mktemp)
  csrf=$(curl -s -c "$jar" "$BASE/login" | grep -o 'name="_csrf" value="[^"]*"' | head -1 | sed 's/.*value="//; s/"//')
  curl -s -b "$jar" -c "$jar" -o /dev/null --data-urlencode "username=$1" --data-urlencode "password=xuequ-demo" --data-urlencode "_csrf=$csrf" --data-urlencode "next=/" "$BASE/login"
  sed 's/^#HttpOnly_//' "$jar" | awk '!/^#/ && NF >= 7 {printf "%s=%s; ", $6, $7}'
  rm -f "$jar"
}
