import NexusConfig
import NexusSchema

/// The OpenAPI 3.1 document of the workflows a caller may run: a GET (describe) and a POST (run) operation per
/// workflow, the POST's request body the input schema, its 200 response the output schema (or any JSON), 400 a
/// problem listing violations, and every other status the endpoints answer (401, 403, 413, 415, 429, 502) as a problem.
enum OpenAPIDocument {
    static func make(_ workflows: [Workflow], api: WorkflowAPIConfig, authEnabled: Bool) -> JSONValue {
        var paths: [JSONMember] = []
        let problem: JSONValue = ["$ref": "#/components/schemas/Problem"]
        func problemResponse(_ description: String) -> JSONValue {
            ["description": .string(description), "content": ["application/problem+json": ["schema": problem]]]
        }
        let workflow: JSONValue = ["$ref": "#/components/schemas/Workflow"]
        var listResponses = JSONObject([JSONMember(key: "200", value: ["description": "The workflows", "content": ["application/json": ["schema": [
            "type": "object",
            "properties": ["workflows": ["type": "array", "items": workflow]],
            "required": ["workflows"],
        ]]]])])
        if authEnabled { listResponses.members.append(JSONMember(key: "401", value: problemResponse("The key or token given is not valid"))) }
        paths.append(JSONMember(key: api.restPath, value: ["get": [
            "operationId": "listWorkflows",
            "summary": "The workflows the caller may run",
            "responses": .object(listResponses),
        ]]))
        // Operation ids are unique in a document: names that differ only in characters an id replaces get a suffix.
        var usedIDs: Set<String> = ["listWorkflows"]
        func operationID(_ prefix: String, _ name: String) -> String {
            let base = prefix + String(name.map { $0.isLetter || $0.isNumber ? $0 : "_" })
            var id = base
            var n = 2
            while usedIDs.contains(id) { id = base + "_\(n)"; n += 1 }
            usedIDs.insert(id)
            return id
        }
        for w in workflows {
            let c = w.config
            var op = JSONObject([JSONMember(key: "operationId", value: .string(operationID("run_", c.name))),
                                 JSONMember(key: "summary", value: .string(c.title ?? c.name))])
            if !c.description.isEmpty { op.members.append(JSONMember(key: "description", value: .string(c.description))) }
            op.members.append(JSONMember(key: "requestBody", value: ["required": true, "content": ["application/json": ["schema": c.inputSchema]]]))
            op.members.append(JSONMember(key: "responses", value: [
                "200": ["description": "The result", "content": ["application/json": ["schema": c.outputSchema ?? [:]]]],
                "400": problemResponse("The input is not JSON or does not match the input schema (every violation is listed)"),
                "401": problemResponse("An API key is needed, or the one given is not valid"),
                "403": problemResponse("The key lacks a scope the workflow requires"),
                "413": problemResponse("The body is larger than the server accepts (limits.max_body_bytes)"),
                "415": problemResponse("The body is not sent as application/json"),
                "429": problemResponse("A rate limit or quota is reached"),
                "502": problemResponse("The workflow ran and failed (its result is not the declared output, say)"),
            ]))
            if authEnabled && !c.anonymous {
                op.members.append(JSONMember(key: "security", value: [["apiKey": []], ["bearer": []]]))
            }
            // GET describes it (what the list holds for it); a caller who may not run it gets 404, not 401.
            var describeResponses = JSONObject([
                JSONMember(key: "200", value: ["description": "The workflow", "content": ["application/json": ["schema": workflow]]]),
                JSONMember(key: "404", value: problemResponse("No workflow of this name that the caller may run")),
            ])
            if authEnabled { describeResponses.members.append(JSONMember(key: "401", value: problemResponse("The key or token given is not valid"))) }
            let describe: JSONValue = ["operationId": .string(operationID("describe_", c.name)),
                                       "summary": .string("Describe " + (c.title ?? c.name)),
                                       "responses": .object(describeResponses)]
            paths.append(JSONMember(key: api.restPath + "/" + c.name, value: ["get": describe, "post": .object(op)]))
        }
        var components = JSONObject([JSONMember(key: "schemas", value: [
            "Problem": [
                "type": "object",
                "properties": ["type": ["type": "string"], "title": ["type": "string"], "status": ["type": "integer"],
                               "detail": ["type": "string"], "violations": ["type": "array", "items": ["type": "object"]]],
                "required": ["type", "title", "status", "detail"],
            ],
            "Workflow": [
                "type": "object",
                "properties": ["name": ["type": "string"], "title": ["type": "string"], "description": ["type": "string"],
                               "inputSchema": ["type": "object"], "outputSchema": ["type": "object"],
                               "scopes": ["type": "array", "items": ["type": "string"]], "path": ["type": "string"]],
                "required": ["name", "description", "inputSchema", "scopes", "path"],
            ],
        ])])
        if authEnabled {
            components.members.append(JSONMember(key: "securitySchemes", value: [
                "apiKey": ["type": "apiKey", "in": "header", "name": "X-API-Key"],
                "bearer": ["type": "http", "scheme": "bearer"],
            ]))
        }
        return ["openapi": "3.1.0",
                "info": ["title": "Nexus workflows", "version": .string(NexusVersion.string)],
                "jsonSchemaDialect": "https://json-schema.org/draft/2020-12/schema",
                "paths": .object(JSONObject(paths)),
                "components": .object(components)]
    }
}
