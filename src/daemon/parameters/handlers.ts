// The Parameter Store actions bound to their declarations, over the region's store and its parameter key.
import type { Handlers, SsmActions } from "../../actions/index.ts";
import { deleteParameter, deleteParameters } from "./delete-parameters.ts";
import { describeParameters } from "./describe-parameters.ts";
import { labelParameterVersion, unlabelParameterVersion } from "./labels.ts";
import { addTagsToResource, listTagsForResource, removeTagsFromResource } from "./parameter-tags.ts";
import type { ParameterDeps } from "./parameter-view.ts";
import { putParameter } from "./put-parameter.ts";
import { getParameter, getParameterHistory, getParameters, getParametersByPath } from "./read-parameters.ts";

export const parameterHandlers = (deps: ParameterDeps) =>
  ({
    PutParameter: (req) => putParameter(deps, req),
    GetParameter: (req) => getParameter(deps, req.input),
    GetParameters: (req) => getParameters(deps, req.input),
    GetParametersByPath: (req) => getParametersByPath(deps, req.input),
    DeleteParameter: (req) => deleteParameter(deps, req.input),
    DeleteParameters: (req) => deleteParameters(deps, req.input),
    DescribeParameters: (req) => describeParameters(deps, req.input),
    GetParameterHistory: (req) => getParameterHistory(deps, req.input),
    LabelParameterVersion: (req) => labelParameterVersion(deps, req.input),
    UnlabelParameterVersion: (req) => unlabelParameterVersion(deps, req.input),
    AddTagsToResource: (req) => addTagsToResource(deps, req.input),
    RemoveTagsFromResource: (req) => removeTagsFromResource(deps, req.input),
    ListTagsForResource: (req) => listTagsForResource(deps, req.input),
  }) satisfies Handlers<SsmActions>;
