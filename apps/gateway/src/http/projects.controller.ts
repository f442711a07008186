import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put } from '@nestjs/common';
import { ProjectsService } from '../services/projects.service';
import { uuidParam } from './schemas/common.schemas';
import { createProjectSchema, toProjectView, updateProjectSchema, type ProjectView } from './schemas/project.schemas';
import { parseInput } from './validation';

@Controller('api/projects')
export class ProjectsController {
  constructor(private readonly projects: ProjectsService) {}

  @Post()
  @HttpCode(201)
  async create(@Body() body: unknown): Promise<ProjectView> {
    return toProjectView(await this.projects.create(parseInput(createProjectSchema, body ?? {}, 'body')));
  }

  @Get()
  async list(): Promise<ProjectView[]> {
    return (await this.projects.list()).map(toProjectView);
  }

  @Get(':id')
  async get(@Param('id') id: string): Promise<ProjectView> {
    return toProjectView(await this.projects.get(parseInput(uuidParam, id, 'id')));
  }

  /** Replaces the project's settings (appends ProjectUpdated); tasks created before keep theirs. */
  @Put(':id')
  async update(@Param('id') id: string, @Body() body: unknown): Promise<ProjectView> {
    const projectId = parseInput(uuidParam, id, 'id');
    return toProjectView(await this.projects.update(projectId, parseInput(updateProjectSchema, body ?? {}, 'body')));
  }

  @Delete(':id')
  @HttpCode(204)
  async delete(@Param('id') id: string): Promise<void> {
    await this.projects.delete(parseInput(uuidParam, id, 'id'));
  }
}
