// The platform's floor: the least a Worker does to proxy a request.
export default {
  fetch(request, env) {
    const { pathname, search } = new URL(request.url);
    return fetch(env.ORIGIN + pathname + search, request);
  },
};
