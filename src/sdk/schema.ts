// Generated from docs/openapi.json by `npx tsx scripts/openapi.ts` (openapi-typescript). Do not edit.
export interface paths {
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
         */
        get: {
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
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            items: components["schemas"]["def-1"][];
                            /** @description Cursor of the next page; null on the last */
                            nextCursor: string | null;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        /**
         * Upload an image (a file, or a URL to fetch)
         * @description A file: multipart/form-data with one field `file` and, optionally, a field `callback_url` (an http(s) URL that receives the `image.done` / `image.failed` webhook of this image). The type is sniffed from the bytes and the header probed before the render job is queued.
         *
         *     A URL: application/json `{"url": "https://…", "callback_url": "…"}` (callback optional). The URL is checked now (http/https, no credentials, the host allow-list, no private address literal) and fetched by the worker, which checks every resolved address and redirect again; `original` is `null` until then, and a failed fetch fails the image with a `TS_FETCH_*` code.
         *
         *     Answers at once with the image id; poll `links.self` (with `?wait=`), or follow `links.self + "/events"`. With an `Idempotency-Key` header a retry of the same request answers the same image (a different file or URL: 422 TS_IDEMPOTENCY_MISMATCH).
         */
        post: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody: {
                content: {
                    "multipart/form-data": {
                        /**
                         * Format: binary
                         * @description The image
                         */
                        file: Blob;
                        /**
                         * Format: uri
                         * @description Webhook URL for this image (optional)
                         */
                        callback_url?: string;
                    };
                };
            };
            responses: {
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                            variants: {
                                preset: string;
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
                            }[];
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
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                400: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                413: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                415: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                422: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
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
         */
        get: {
            parameters: {
                query?: {
                    /** @description Seconds to wait for the image to be done or failed before answering (0-30) */
                    wait?: number;
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
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                            variants: {
                                preset: string;
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
                            }[];
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
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        /**
         * Delete an image and its thumbnails
         * @description Removes the row and every blob no other image shares (uploads of the same bytes share them). A render in flight does not bring the image back. Unknown or already deleted: 404.
         */
        delete: {
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
                /** @description Deleted */
                204: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content?: never;
                };
                /** @description RFC 9457 problem details with a stable `code` */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
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
         */
        get: {
            parameters: {
                query?: {
                    /** @description Content version from `variants[].immutableUrl` */
                    v?: string;
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
                /** @description Default Response */
                200: {
                    headers: {
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
                /** @description Not modified (If-None-Match matched the ETag) */
                304: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/jpeg": unknown;
                        "image/png": unknown;
                        "image/webp": unknown;
                        "image/avif": unknown;
                        "image/gif": unknown;
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/jpeg": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/png": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/webp": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/avif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/gif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/jpeg": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/png": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/webp": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/avif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/gif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
        put?: never;
        post?: never;
        delete?: never;
        options?: never;
        /**
         * Download a thumbnail
         * @description The rendered bytes with their exact Content-Type, a strong ETag (the SHA-256; `If-None-Match` → 304) and `Last-Modified` (`If-Modified-Since` → 304). `HEAD` answers the headers only. With `?v=` from `immutableUrl` the answer may be cached forever. A variant missing or made by an older definition of its preset is rendered on this request. `409 TS_NOT_READY` with `Retry-After` while the image is queued or processing; `409 TS_IMAGE_FAILED` when it failed.
         */
        head: {
            parameters: {
                query?: {
                    /** @description Content version from `variants[].immutableUrl` */
                    v?: string;
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
                /** @description Default Response */
                200: {
                    headers: {
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
                /** @description Not modified (If-None-Match matched the ETag) */
                304: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/jpeg": unknown;
                        "image/png": unknown;
                        "image/webp": unknown;
                        "image/avif": unknown;
                        "image/gif": unknown;
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/jpeg": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/png": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/webp": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/avif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/gif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "image/jpeg": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/png": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/webp": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/avif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                        "image/gif": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
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
         */
        post: {
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
                /** @description Default Response */
                202: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                            variants: {
                                preset: string;
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
                            }[];
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
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                409: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
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
         */
        get: {
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
                /** @description `text/event-stream`: `event: image`, `id: <event id>`, `data: <Image JSON>` per change; `event: deleted` with `data: {"id": …}` when an image is deleted; `event: reset` (with an empty `id:`) first when `Last-Event-ID` could not be resumed; a comment line every 15 s */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
                /** @description RFC 9457 problem details with a stable `code` */
                404: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": {
                            type: string;
                            title: string;
                            status: number;
                            detail: string;
                            /** @enum {string} */
                            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
                            instance: string;
                            requestId: string;
                        } & {
                            [key: string]: unknown;
                        };
                    };
                };
            };
        };
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
         */
        get: {
            parameters: {
                query?: {
                    /** @description The `Last-Event-ID` for clients that cannot send the header (EventSource polyfills); the header wins. */
                    lastEventId?: string;
                };
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description `text/event-stream`: `event: image`, `id: <event id>`, `data: <Image JSON>` per change; `event: deleted` with `data: {"id": …}` when an image is deleted; `event: reset` (with an empty `id:`) first when `Last-Event-ID` could not be resumed; a comment line every 15 s */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "text/event-stream": string;
                    };
                };
            };
        };
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
        /** Liveness: the process answers */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
                            /** @enum {string} */
                            status: "ok";
                        };
                    };
                };
            };
        };
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
        /** Readiness: database, queue and storage reachable (slow is still ready); free disk; workers alive */
        get: {
            parameters: {
                query?: never;
                header?: never;
                path?: never;
                cookie?: never;
            };
            requestBody?: never;
            responses: {
                /** @description Default Response */
                200: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                };
                /** @description Default Response */
                503: {
                    headers: {
                        [name: string]: unknown;
                    };
                    content: {
                        "application/json": {
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
                };
            };
        };
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
         * Problem
         * @description RFC 9457 problem details with a stable `code`
         */
        "def-0": {
            type: string;
            title: string;
            status: number;
            detail: string;
            /** @enum {string} */
            code: "TS_VALIDATION" | "TS_FILE_MISSING" | "TS_UPLOAD_TOO_LARGE" | "TS_UNSUPPORTED_MEDIA" | "TS_UNSUPPORTED_FORMAT" | "TS_SVG_DISABLED" | "TS_NOT_FOUND" | "TS_PRESET_NOT_FOUND" | "TS_ROUTE_NOT_FOUND" | "TS_METHOD_NOT_ALLOWED" | "TS_NOT_READY" | "TS_IMAGE_FAILED" | "TS_IMAGE_CORRUPT" | "TS_IMAGE_TOO_MANY_PIXELS" | "TS_IMAGE_TOO_MANY_FRAMES" | "TS_IMAGE_DIMENSIONS" | "TS_IMAGE_TOO_COMPLEX" | "TS_IMAGE_METADATA_TOO_LARGE" | "TS_RENDER_TIMEOUT" | "TS_RENDER_MEMORY" | "TS_RENDER_CRASHED" | "TS_ATTEMPTS_EXHAUSTED" | "TS_FETCH_FORBIDDEN_URL" | "TS_FETCH_BLOCKED_ADDRESS" | "TS_FETCH_TOO_LARGE" | "TS_FETCH_TIMEOUT" | "TS_FETCH_UPSTREAM_CLIENT_ERROR" | "TS_FETCH_UPSTREAM_SERVER_ERROR" | "TS_FETCH_TOO_MANY_REDIRECTS" | "TS_FETCH_FAILED" | "TS_STORAGE_UNAVAILABLE" | "TS_DATABASE_UNAVAILABLE" | "TS_STORAGE_FULL" | "TS_QUEUE_UNAVAILABLE" | "TS_BLOB_MISSING" | "TS_SHUTTING_DOWN" | "TS_RENDER_INTERRUPTED" | "TS_INTERNAL" | "TS_INVALID_BLOB_KEY" | "TS_UNAUTHORIZED" | "TS_NOT_RETRYABLE" | "TS_INVALID_CALLBACK_URL" | "TS_INVALID_CURSOR" | "TS_WEBHOOK_REJECTED" | "TS_FORBIDDEN" | "TS_BAD_SIGNATURE" | "TS_IDEMPOTENCY_MISMATCH" | "TS_RATE_LIMITED" | "TS_QUEUE_FULL" | "TS_IDEMPOTENCY_IN_PROGRESS" | "TS_REQUEST_TIMEOUT" | "TS_HEADERS_TOO_LARGE" | "TS_URI_TOO_LONG";
            instance: string;
            requestId: string;
        } & {
            [key: string]: unknown;
        };
        /** Image */
        "def-1": {
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
            variants: {
                preset: string;
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
            }[];
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
    };
    responses: never;
    parameters: never;
    requestBodies: never;
    headers: never;
    pathItems: never;
}
export type SchemaDef_0 = components['schemas']['def-0'];
export type SchemaDef_1 = components['schemas']['def-1'];
export type $defs = Record<string, never>;
export type operations = Record<string, never>;
