// The floor for any relay that looks at a stream's events in JavaScript: it
// reads each origin chunk and hands it on, and does nothing else.
export default {
  async fetch(request, env) {
    const { pathname, search } = new URL(request.url);
    const res = await fetch(env.ORIGIN + pathname + search, request);
    const reader = res.body.getReader();
    const body = new ReadableStream(
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
    return new Response(body, res);
  },
};
