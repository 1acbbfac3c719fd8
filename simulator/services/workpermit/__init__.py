"""The work-permit service (外国人来华工作管理服务系统), employer side."""
