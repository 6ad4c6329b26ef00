// Generated from docs/openapi.json by `npx tsx scripts/openapi.ts` (openapi-typescript). Do not edit.
export interface paths {
    "/metrics": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Prometheus metrics of this process (text format)
         * @description HTTP, upload, queue and render metrics of this process, for a Prometheus scrape.
         */
        get: operations["getMetrics"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * List images, newest first
         * @description Keyset pagination: pass `nextCursor` back as `cursor` until it is null. Pages stay stable while images are added (new images sort before every cursor already handed out).
         *
         *     Needs an API key with the `read` scope once any key exists.
         */
        get: operations["listImages"];
        put?: never;
        /**
         * Upload an image (a file, or a URL to fetch)
         * @description A file: multipart/form-data with one field `file` and, optionally, a field `callback_url` (an http(s) URL that receives the `image.done` / `image.failed` webhook of this image). The type is sniffed from the bytes and the header probed before the render job is queued.
         *
         *     A URL: application/json `{"url": "https://…", "callback_url": "…"}` (callback optional). The URL is checked now (http/https, no credentials, the host allow-list, no private address literal) and fetched by the worker, which checks every resolved address and redirect again; `original` is `null` until then, and a failed fetch fails the image with a `TS_FETCH_*` code.
         *
         *     Answers at once with the image id; poll `links.self` (with `?wait=`), or follow `links.self + "/events"`. With an `Idempotency-Key` header a retry of the same request answers the same image (a different file or URL: 422 TS_IDEMPOTENCY_MISMATCH).
         *
         *     Needs an API key with the `upload` scope once any key exists.
         */
        post: operations["uploadImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/{id}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Get an image: status, original, variants
         * @description With `?wait=N` (0-30) the answer comes as soon as the image is `done` or `failed`, or after N seconds with its status then: waiting without polling.
         *
         *     Needs an API key with the `read` scope once any key exists.
         */
        get: operations["getImage"];
        put?: never;
        post?: never;
        /**
         * Delete an image and its thumbnails
         * @description Removes the row and every blob no other image shares (uploads of the same bytes share them). A render in flight does not bring the image back. Unknown or already deleted: 404.
         *
         *     Needs an API key with the `upload` scope once any key exists.
         */
        delete: operations["deleteImage"];
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/{id}/thumbnails/{preset}": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Download a thumbnail
         * @description The rendered bytes with their exact Content-Type, a strong ETag (the SHA-256; `If-None-Match` → 304) and `Last-Modified` (`If-Modified-Since` → 304). `HEAD` answers the headers only. With `?v=` from `immutableUrl` the answer may be cached forever. A variant missing or made by an older definition of its preset is rendered on this request. `409 TS_NOT_READY` with `Retry-After` while the image is queued or processing; `409 TS_IMAGE_FAILED` when it failed.
         *
         *     Needs an API key with the `read` scope once any key exists, or a signed URL (`sig`, `exp`, `kid`).
         */
        get: operations["getThumbnail"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Download a thumbnail
         * @description The rendered bytes with their exact Content-Type, a strong ETag (the SHA-256; `If-None-Match` → 304) and `Last-Modified` (`If-Modified-Since` → 304). `HEAD` answers the headers only. With `?v=` from `immutableUrl` the answer may be cached forever. A variant missing or made by an older definition of its preset is rendered on this request. `409 TS_NOT_READY` with `Retry-After` while the image is queued or processing; `409 TS_IMAGE_FAILED` when it failed.
         *
         *     Needs an API key with the `read` scope once any key exists, or a signed URL (`sig`, `exp`, `kid`).
         */
        head: operations["headThumbnail"];
        patch?: never;
        trace?: never;
    };
    "/v1/images/{id}/retry": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        get?: never;
        put?: never;
        /**
         * Retry a failed image
         * @description Back to `queued` with a fresh attempt budget (`attempts` 0, `error` cleared) and a new render job. `409 TS_NOT_RETRYABLE` unless the image is `failed`.
         *
         *     Needs an API key with the `upload` scope once any key exists.
         */
        post: operations["retryImage"];
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/images/{id}/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow one image (Server-Sent Events)
         * @description Sends the image as it is now, then again on every change; the stream ends after `done` or `failed` (at once when it already is) or when the image is deleted. It starts with the current state, so a reconnect needs no `Last-Event-ID`; the states read rather than announced carry no `id:`.
         *
         *     Needs an API key with the `read` scope once any key exists.
         */
        get: operations["streamImageEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/v1/events": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Follow all of the tenant's images (Server-Sent Events)
         * @description Every change of every image of the caller, as it happens; the stream stays open. A reconnect with `Last-Event-ID` (or `?lastEventId=`) first gets every event after that id that is still retained (`EVENTS_RETENTION_SECONDS`, `EVENTS_RETENTION_COUNT`); when that is not possible (too old, unknown id) the stream starts with `event: reset`: events may have been missed, re-read the images.
         *
         *     Needs an API key with the `read` scope once any key exists.
         */
        get: operations["streamEvents"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/healthz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Liveness: the process answers
         * @description Answers while the process runs, whatever its dependencies: restart the process when it does not.
         */
        get: operations["getLiveness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
    "/readyz": {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        /**
         * Readiness: database, queue and storage reachable (slow is still ready); free disk; workers alive
         * @description Send traffic to the process only while this answers 200. Each check is bounded (a dependency slower than 2 s is reported `slow` but still ready); the worker heartbeats are listed, never decisive.
         */
        get: operations["getReadiness"];
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        head?: never;
        patch?: never;
        trace?: never;
    };
}
export type webhooks = Record<string, never>;
export interface components {
    schemas: {
        /**
         * @example {
         *       "url": "https://images.example.com/holiday.jpg",
         *       "callback_url": "https://hooks.example.com/thumbs"
         *     }
         */
        UploadByUrl: {
            /**
             * Format: uri
             * @description The image to fetch (http or https)
             */
            url: string;
            /**
             * Format: uri
             * @description Webhook URL for this image
             */
            callback_url?: string;
        };
        UploadFile: {
            /**
             * Format: binary
             * @description The image
             */
            file: Blob;
            /**
             * Format: uri
             * @description Webhook URL for this image
             */
            callback_url?: string;
        };
        /**
         * @description RFC 9457 problem details with a stable `code` (docs/errors.md); some codes add members
         * @example {
         *       "type": "urn:thumbsmith:error:TS_NOT_FOUND",
         *       "title": "No such image",
         *       "status": 404,
         *       "detail": "No image img_01HZX3J2K4M5N6P7Q8R9S0T1V2.",
         *       "code": "TS_NOT_FOUND",
         *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
         *       "requestId": "req-1f3a9c"
         *     }
         */
        Problem: {
            /** @description URI of the problem type: `urn:thumbsmith:error:<code>` */
            type: string;
            /** @description Short summary of the problem type (the same for every answer of a code) */
            title: string;
            /** @description The HTTP status code of the answer */
            status: number;
            /** @description This occurrence, in words */
            detail: string;
            /** @enum {string} */
            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
            /** @description The request’s path and query */
            instance?: string;
            /** @description The request id, as in the `X-Request-Id` header and the logs */
            requestId: string;
        } & {
            [key: string]: unknown;
        };
        /** @description One rendered thumbnail of the image */
        Variant: {
            preset: string;
            /** @description Hash of the preset definition the variant was rendered with */
            presetVersion: string;
            url: string;
            /** @description The same thumbnail by content (`?v=` its hash): cacheable forever, changes when the bytes do */
            immutableUrl: string;
            width: number;
            height: number;
            /** @enum {string} */
            format: "jpeg" | "png" | "webp" | "avif" | "gif";
            contentType: string;
            bytes: number;
        };
        /**
         * @description An image: its status, its original and its thumbnails
         * @example {
         *       "id": "img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
         *       "status": "done",
         *       "original": {
         *         "format": "jpeg",
         *         "width": 4032,
         *         "height": 3024,
         *         "frames": 1,
         *         "bytes": 2811456,
         *         "sha256": "b94d27b9934d3e08a52e52d7da7dabfac484efe37a5380ee9088f7ace2efcde9",
         *         "filename": "holiday.jpg"
         *       },
         *       "sourceUrl": null,
         *       "variants": [
         *         {
         *           "preset": "small",
         *           "presetVersion": "3f2a9c1e",
         *           "url": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2/thumbnails/small",
         *           "immutableUrl": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2/thumbnails/small?v=9f86d081884c7d65",
         *           "width": 320,
         *           "height": 240,
         *           "format": "webp",
         *           "contentType": "image/webp",
         *           "bytes": 14230
         *         }
         *       ],
         *       "error": null,
         *       "attempts": 1,
         *       "createdAt": "2026-12-07T18:00:00.000Z",
         *       "updatedAt": "2026-12-07T18:00:01.250Z",
         *       "completedAt": "2026-12-07T18:00:01.250Z",
         *       "links": {
         *         "self": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
         *         "thumbnails": {
         *           "small": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2/thumbnails/small"
         *         }
         *       }
         *     }
         */
        Image: {
            id: string;
            /** @enum {string} */
            status: "queued" | "processing" | "done" | "failed";
            /** @description `null` while an upload by URL waits for its fetch */
            original: {
                /** @enum {string} */
                format: "jpeg" | "png" | "webp" | "gif" | "tiff" | "avif" | "heif" | "bmp" | "svg";
                width: number;
                height: number;
                frames: number;
                bytes: number;
                sha256: string;
                filename: string | null;
            } | null;
            /** @description The URL of an upload by URL; `null` for a file upload */
            sourceUrl: string | null;
            variants: components["schemas"]["Variant"][];
            error: {
                code: string;
                message: string;
                /** @description Whether a retry (`POST /v1/images/{id}/retry`) can help: false when the image itself is at fault */
                retryable: boolean;
            } | null;
            attempts: number;
            /** Format: date-time */
            createdAt: string;
            /** Format: date-time */
            updatedAt: string;
            /** Format: date-time */
            completedAt: string | null;
            links: {
                self: string;
                thumbnails: {
                    [key: string]: string;
                };
            };
        };
        /** @description One page of images, newest first */
        ImagePage: {
            items: components["schemas"]["Image"][];
            /** @description Cursor of the next page; null on the last */
            nextCursor: string | null;
        };
        Health: {
            /** @enum {string} */
            status: "ok";
        };
        /** @description Every check of this process; `status` decides the HTTP status */
        Readiness: {
            status: "ready" | "unready";
            checks: {
                database: {
                    ok: boolean;
                    slow?: boolean;
                    latencyMs: number;
                    error?: string;
                    code?: string;
                };
                queue: {
                    ok: boolean;
                    slow?: boolean;
                    latencyMs: number;
                    error?: string;
                    code?: string;
                };
                storage: {
                    ok: boolean;
                    slow?: boolean;
                    latencyMs: number;
                    error?: string;
                    code?: string;
                };
                disk?: {
                    ok: boolean;
                    freeMb: number;
                    minFreeMb: number;
                    code?: string;
                };
                workers?: {
                    ok: boolean;
                    running: boolean;
                    active: number;
                    /** Format: date-time */
                    lastHeartbeat: string | null;
                    workerId?: string;
                };
            };
            heartbeats?: {
                workerId: string;
                hostname: string;
                pid: number;
                /** Format: date-time */
                startedAt: string;
                /** Format: date-time */
                lastHeartbeat: string;
                ageMs: number;
                fresh: boolean;
                active: number;
                concurrency: number;
            }[];
        };
    };
    responses: {
        /** @description The request is not valid */
        BadRequest: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_VALIDATION",
                 *       "title": "The request is not valid",
                 *       "status": 400,
                 *       "detail": "The request is not valid.",
                 *       "code": "TS_VALIDATION",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No API key, or an unknown or revoked one, while keys are required */
        Unauthorized: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "WWW-Authenticate": components["headers"]["WwwAuthenticate"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_UNAUTHORIZED",
                 *       "title": "Authentication is required",
                 *       "status": 401,
                 *       "detail": "Authentication is required.",
                 *       "code": "TS_UNAUTHORIZED",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The key lacks the route’s scope (`TS_FORBIDDEN`), or a signed URL is invalid (`TS_BAD_SIGNATURE`) */
        Forbidden: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_FORBIDDEN",
                 *       "title": "The API key lacks the scope this route needs",
                 *       "status": 403,
                 *       "detail": "The API key lacks the scope this route needs.",
                 *       "code": "TS_FORBIDDEN",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description No such image or preset (of this tenant) */
        NotFound: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_NOT_FOUND",
                 *       "title": "No such image",
                 *       "status": 404,
                 *       "detail": "No such image.",
                 *       "code": "TS_NOT_FOUND",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The image is not in a state for this (`TS_NOT_READY`, `TS_IMAGE_FAILED`, `TS_NOT_RETRYABLE`) */
        Conflict: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Retry-After": components["headers"]["RetryAfterWhileNotReady"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_NOT_READY",
                 *       "title": "The thumbnail is not ready yet",
                 *       "status": 409,
                 *       "detail": "The thumbnail is not ready yet.",
                 *       "code": "TS_NOT_READY",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The upload is larger than `MAX_UPLOAD_BYTES` */
        ContentTooLarge: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_UPLOAD_TOO_LARGE",
                 *       "title": "The upload is larger than allowed",
                 *       "status": 413,
                 *       "detail": "The upload is larger than allowed.",
                 *       "code": "TS_UPLOAD_TOO_LARGE",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description A path parameter is longer than the router accepts */
        UriTooLong: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_URI_TOO_LONG",
                 *       "title": "A path parameter is too long",
                 *       "status": 414,
                 *       "detail": "A path parameter is too long.",
                 *       "code": "TS_URI_TOO_LONG",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The bytes are not an image of a supported format */
        UnsupportedMediaType: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_UNSUPPORTED_MEDIA",
                 *       "title": "The content is not an image",
                 *       "status": 415,
                 *       "detail": "The content is not an image.",
                 *       "code": "TS_UNSUPPORTED_MEDIA",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The image cannot be taken (corrupt, over a limit), or the `Idempotency-Key` was used differently */
        UnprocessableContent: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_IMAGE_CORRUPT",
                 *       "title": "The image is corrupt or truncated",
                 *       "status": 422,
                 *       "detail": "The image is corrupt or truncated.",
                 *       "code": "TS_IMAGE_CORRUPT",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description Over the rate limit of the key or the address */
        TooManyRequests: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_RATE_LIMITED",
                 *       "title": "Too many requests; slow down",
                 *       "status": 429,
                 *       "detail": "Too many requests; slow down.",
                 *       "code": "TS_RATE_LIMITED",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
        /** @description The render queue is full or a dependency is down: try again after `Retry-After` */
        ServiceUnavailable: {
            headers: {
                "X-Request-Id": components["headers"]["RequestId"];
                RateLimit: components["headers"]["RateLimit"];
                "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                "Retry-After": components["headers"]["RetryAfter"];
                [name: string]: unknown;
            };
            content: {
                /**
                 * @example {
                 *       "type": "urn:thumbsmith:error:TS_QUEUE_FULL",
                 *       "title": "The render queue is full; try again later",
                 *       "status": 503,
                 *       "detail": "The render queue is full; try again later.",
                 *       "code": "TS_QUEUE_FULL",
                 *       "instance": "/v1/images/img_01HZX3J2K4M5N6P7Q8R9S0T1V2",
                 *       "requestId": "req-1f3a9c"
                 *     }
                 */
                "application/problem+json": components["schemas"]["Problem"];
            };
        };
    };
    parameters: {
        /**
         * @description Makes the upload safe to retry: the same key with the same file or URL answers the same image; with a different one `422 TS_IDEMPOTENCY_MISMATCH`. 1-255 printable ASCII characters, no spaces.
         * @example upload-2026-12-07-0001
         */
        IdempotencyKey: string;
        /** @description The `id` of the last event received: a reconnecting client (EventSource sends it) resumes after it */
        LastEventId: string;
        /** @description Signed URL: HMAC-SHA256 (base64url) of the key id, `exp` and the path. Needs `exp` and `kid`. */
        Signature: string;
        /** @description Signed URL: expiry in Unix seconds; after it the signature is refused (`403 TS_BAD_SIGNATURE`) */
        Expires: number;
        /** @description Signed URL: id of the signing key (`SIGNING_KEYS`) that made `sig` */
        KeyId: string;
        /** @description `true`: the thumbnail URLs in the answer carry a signature (`exp`, `kid`, `sig`), so a page can embed them without a key. Needs `SIGNING_KEYS` on the server (else `400`). */
        Signed: "true";
    };
    requestBodies: never;
    headers: {
        /** @description The request id (the caller’s `X-Request-Id` when short and plain, else generated); also in logs */
        RequestId: string;
        /** @description The caller’s remaining quota (IETF draft `RateLimit` header fields, a structured field: `"<policy>";r=<remaining>;t=<seconds to reset>`). Absent when rate limits are off. */
        RateLimit: string;
        /** @description The limits that apply (IETF draft `RateLimit-Policy`, a structured field: `"<policy>";q=<quota>;w=<window seconds>`). Absent when rate limits are off. */
        RateLimitPolicy: string;
        /** @description Seconds to wait before trying again */
        RetryAfter: number;
        /** @description Seconds to wait before asking again: sent with `TS_NOT_READY` (queued or processing) */
        RetryAfterWhileNotReady: number;
        /** @description The image’s URL (`links.self`): poll it, or follow its `/events` */
        Location: string;
        /** @description Strong validator: the SHA-256 of the thumbnail bytes, quoted (send it back in `If-None-Match`) */
        ETag: string;
        /** @description `public, max-age=604800`; `public, max-age=31536000, immutable` for a `?v=` URL whose version matches */
        CacheControl: string;
        /** @description When the image last changed (second precision; `If-Modified-Since` → 304) */
        LastModified: string;
        /** @description `inline` with a safe file name: the upload’s name (reduced to `[A-Za-z0-9._-]`), the preset, the format */
        ContentDisposition: string;
        /** @description `no-store, no-transform`: proxies neither keep nor rewrite the stream */
        EventStreamCacheControl: string;
        /** @description The scheme to authenticate with */
        WwwAuthenticate: string;
    };
    pathItems: never;
}
export type SchemaUploadByUrl = components['schemas']['UploadByUrl'];
export type SchemaUploadFile = components['schemas']['UploadFile'];
export type SchemaProblem = components['schemas']['Problem'];
export type SchemaVariant = components['schemas']['Variant'];
export type SchemaImage = components['schemas']['Image'];
export type SchemaImagePage = components['schemas']['ImagePage'];
export type SchemaHealth = components['schemas']['Health'];
export type SchemaReadiness = components['schemas']['Readiness'];
export type ResponseBadRequest = components['responses']['BadRequest'];
export type ResponseUnauthorized = components['responses']['Unauthorized'];
export type ResponseForbidden = components['responses']['Forbidden'];
export type ResponseNotFound = components['responses']['NotFound'];
export type ResponseConflict = components['responses']['Conflict'];
export type ResponseContentTooLarge = components['responses']['ContentTooLarge'];
export type ResponseUriTooLong = components['responses']['UriTooLong'];
export type ResponseUnsupportedMediaType = components['responses']['UnsupportedMediaType'];
export type ResponseUnprocessableContent = components['responses']['UnprocessableContent'];
export type ResponseTooManyRequests = components['responses']['TooManyRequests'];
export type ResponseServiceUnavailable = components['responses']['ServiceUnavailable'];
export type ParameterIdempotencyKey = components['parameters']['IdempotencyKey'];
export type ParameterLastEventId = components['parameters']['LastEventId'];
export type ParameterSignature = components['parameters']['Signature'];
export type ParameterExpires = components['parameters']['Expires'];
export type ParameterKeyId = components['parameters']['KeyId'];
export type ParameterSigned = components['parameters']['Signed'];
export type HeaderRequestId = components['headers']['RequestId'];
export type HeaderRateLimit = components['headers']['RateLimit'];
export type HeaderRateLimitPolicy = components['headers']['RateLimitPolicy'];
export type HeaderRetryAfter = components['headers']['RetryAfter'];
export type HeaderRetryAfterWhileNotReady = components['headers']['RetryAfterWhileNotReady'];
export type HeaderLocation = components['headers']['Location'];
export type HeaderETag = components['headers']['ETag'];
export type HeaderCacheControl = components['headers']['CacheControl'];
export type HeaderLastModified = components['headers']['LastModified'];
export type HeaderContentDisposition = components['headers']['ContentDisposition'];
export type HeaderEventStreamCacheControl = components['headers']['EventStreamCacheControl'];
export type HeaderWwwAuthenticate = components['headers']['WwwAuthenticate'];
export type $defs = Record<string, never>;
export interface operations {
    getMetrics: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The metrics */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "text/plain": string;
                };
            };
        };
    };
    listImages: {
        parameters: {
            query?: {
                limit?: number;
                /** @description `nextCursor` of the previous page */
                cursor?: string;
                status?: "queued" | "processing" | "done" | "failed";
                /** @description ISO 8601; only images created after it */
                created_after?: string;
                /** @description ISO 8601; only images created before it */
                created_before?: string;
                /** @description `true`: the thumbnail URLs in the answer carry a signature (`exp`, `kid`, `sig`), so a page can embed them without a key. Needs `SIGNING_KEYS` on the server (else `400`). */
                signed?: components["parameters"]["Signed"];
            };
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description One page of the caller’s images */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["ImagePage"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    uploadImage: {
        parameters: {
            query?: {
                /** @description `true`: the thumbnail URLs in the answer carry a signature (`exp`, `kid`, `sig`), so a page can embed them without a key. Needs `SIGNING_KEYS` on the server (else `400`). */
                signed?: components["parameters"]["Signed"];
            };
            header?: {
                /**
                 * @description Makes the upload safe to retry: the same key with the same file or URL answers the same image; with a different one `422 TS_IDEMPOTENCY_MISMATCH`. 1-255 printable ASCII characters, no spaces.
                 * @example upload-2026-12-07-0001
                 */
                "Idempotency-Key"?: components["parameters"]["IdempotencyKey"];
            };
            path?: never;
            cookie?: never;
        };
        /** @description The image file, or the URL to fetch it from */
        requestBody: {
            content: {
                "multipart/form-data": components["schemas"]["UploadFile"];
                "application/json": components["schemas"]["UploadByUrl"];
            };
        };
        responses: {
            /** @description Accepted: the image is queued (a file was probed first); follow `Location` */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            409: components["responses"]["Conflict"];
            413: components["responses"]["ContentTooLarge"];
            415: components["responses"]["UnsupportedMediaType"];
            422: components["responses"]["UnprocessableContent"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getImage: {
        parameters: {
            query?: {
                /** @description Seconds to wait for the image to be done or failed before answering (0-30) */
                wait?: number;
                /** @description `true`: the thumbnail URLs in the answer carry a signature (`exp`, `kid`, `sig`), so a page can embed them without a key. Needs `SIGNING_KEYS` on the server (else `400`). */
                signed?: components["parameters"]["Signed"];
            };
            header?: never;
            path: {
                /** @description Image id as returned by the upload (^img_[0-9a-hjkmnp-tv-z]{26}$) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image as it is now (or when done, failed or `wait` ran out) */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    deleteImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Image id as returned by the upload (^img_[0-9a-hjkmnp-tv-z]{26}$) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Deleted, with every blob no other image shares */
            204: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getThumbnail: {
        parameters: {
            query?: {
                /** @description Content version from `variants[].immutableUrl` */
                v?: string;
                /** @description Signed URL: HMAC-SHA256 (base64url) of the key id, `exp` and the path. Needs `exp` and `kid`. */
                sig?: components["parameters"]["Signature"];
                /** @description Signed URL: expiry in Unix seconds; after it the signature is refused (`403 TS_BAD_SIGNATURE`) */
                exp?: components["parameters"]["Expires"];
                /** @description Signed URL: id of the signing key (`SIGNING_KEYS`) that made `sig` */
                kid?: components["parameters"]["KeyId"];
            };
            header?: never;
            path: {
                /** @description Image id as returned by the upload (^img_[0-9a-hjkmnp-tv-z]{26}$) */
                id: string;
                /** @description Preset name, e.g. small */
                preset: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The thumbnail bytes (none for HEAD), in the format of its preset */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    "Content-Disposition": components["headers"]["ContentDisposition"];
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": Blob;
                    "image/png": Blob;
                    "image/webp": Blob;
                    "image/avif": Blob;
                    "image/gif": Blob;
                };
            };
            /** @description Not modified: `If-None-Match` matched the ETag, or nothing changed since `If-Modified-Since` */
            304: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    headThumbnail: {
        parameters: {
            query?: {
                /** @description Content version from `variants[].immutableUrl` */
                v?: string;
                /** @description Signed URL: HMAC-SHA256 (base64url) of the key id, `exp` and the path. Needs `exp` and `kid`. */
                sig?: components["parameters"]["Signature"];
                /** @description Signed URL: expiry in Unix seconds; after it the signature is refused (`403 TS_BAD_SIGNATURE`) */
                exp?: components["parameters"]["Expires"];
                /** @description Signed URL: id of the signing key (`SIGNING_KEYS`) that made `sig` */
                kid?: components["parameters"]["KeyId"];
            };
            header?: never;
            path: {
                /** @description Image id as returned by the upload (^img_[0-9a-hjkmnp-tv-z]{26}$) */
                id: string;
                /** @description Preset name, e.g. small */
                preset: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The thumbnail bytes (none for HEAD), in the format of its preset */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    "Content-Disposition": components["headers"]["ContentDisposition"];
                    [name: string]: unknown;
                };
                content: {
                    "image/jpeg": Blob;
                    "image/png": Blob;
                    "image/webp": Blob;
                    "image/avif": Blob;
                    "image/gif": Blob;
                };
            };
            /** @description Not modified: `If-None-Match` matched the ETag, or nothing changed since `If-Modified-Since` */
            304: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    ETag: components["headers"]["ETag"];
                    "Cache-Control": components["headers"]["CacheControl"];
                    "Last-Modified": components["headers"]["LastModified"];
                    [name: string]: unknown;
                };
                content?: never;
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    retryImage: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Image id as returned by the upload (^img_[0-9a-hjkmnp-tv-z]{26}$) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Queued again; follow `Location` */
            202: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    Location: components["headers"]["Location"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Image"];
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            409: components["responses"]["Conflict"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    streamImageEvents: {
        parameters: {
            query?: never;
            header?: never;
            path: {
                /** @description Image id as returned by the upload (^img_[0-9a-hjkmnp-tv-z]{26}$) */
                id: string;
            };
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The image now and on every change, until it is final */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["EventStreamCacheControl"];
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            404: components["responses"]["NotFound"];
            414: components["responses"]["UriTooLong"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    streamEvents: {
        parameters: {
            query?: {
                /** @description The `Last-Event-ID` for clients that cannot send the header (EventSource polyfills); the header wins. */
                lastEventId?: string;
            };
            header?: {
                /** @description The `id` of the last event received: a reconnecting client (EventSource sends it) resumes after it */
                "Last-Event-ID"?: components["parameters"]["LastEventId"];
            };
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Every change of every image of the caller, as it happens */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    RateLimit: components["headers"]["RateLimit"];
                    "RateLimit-Policy": components["headers"]["RateLimitPolicy"];
                    "Cache-Control": components["headers"]["EventStreamCacheControl"];
                    [name: string]: unknown;
                };
                content: {
                    "text/event-stream": string;
                };
            };
            400: components["responses"]["BadRequest"];
            401: components["responses"]["Unauthorized"];
            403: components["responses"]["Forbidden"];
            429: components["responses"]["TooManyRequests"];
            503: components["responses"]["ServiceUnavailable"];
        };
    };
    getLiveness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description The process is alive */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Health"];
                };
            };
        };
    };
    getReadiness: {
        parameters: {
            query?: never;
            header?: never;
            path?: never;
            cookie?: never;
        };
        requestBody?: never;
        responses: {
            /** @description Ready: every check passed */
            200: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
            /** @description Not ready: `checks` names what failed */
            503: {
                headers: {
                    "X-Request-Id": components["headers"]["RequestId"];
                    [name: string]: unknown;
                };
                content: {
                    "application/json": components["schemas"]["Readiness"];
                };
            };
        };
    };
}
