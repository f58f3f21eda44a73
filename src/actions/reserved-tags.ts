// Tags Hive itself keeps on resources. Like AWS's own (aws:cloudformation:…, aws:ec2launchtemplate:id) they carry the
// reserved `aws:` prefix, so they are listed but a caller can neither set nor delete them, they don't count toward
// the 50-tag limit, and tools that own a resource's tags (Ansible's purge_tags, Terraform) leave them alone.

/** A user-mode guest's SSH forward: 127.0.0.1:<value> reaches the guest's port 22. */
export const SSH_PORT_TAG = "aws:hive:ssh-port";

/** An instance launched from a launch template: the template's id and the version number it was launched from. */
export const LAUNCH_TEMPLATE_ID_TAG = "aws:ec2launchtemplate:id";
export const LAUNCH_TEMPLATE_VERSION_TAG = "aws:ec2launchtemplate:version";

/** Keys callers may not set or delete (AWS compares the prefix without regard to case). */
export const isReservedTagKey = (key: string): boolean => key.toLowerCase().startsWith("aws:");
