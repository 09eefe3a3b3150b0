// The floor for any relay that reads what it relays in JavaScript: it parses
// the request (a router must, to route it) and sends it on; a JSON answer is
// read and parsed (a router must, to meter it), a stream is read chunk by
// chunk and handed on. It does nothing else.
export default {
  async fetch(request, env) {
    const { pathname, search } = new URL(request.url);
    const body = JSON.parse(await request.text());
    const res = await fetch(env.ORIGIN + pathname + search, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
    if (!body.stream) {
      const text = await res.text();
      const usage = JSON.parse(text).usage;
      return new Response(text, { status: res.status, headers: { "content-type": "application/json", "x-output-tokens": String(usage?.completion_tokens) } });
    }
    const reader = res.body.getReader();
    const stream = new ReadableStream(
      {
        async pull(controller) {
          const { done, value } = await reader.read();
          if (done) controller.close();
          else controller.enqueue(value);
        },
        cancel: (reason) => reader.cancel(reason),
      },
      { highWaterMark: 0 },
    );
    return new Response(stream, res);
  },
};
